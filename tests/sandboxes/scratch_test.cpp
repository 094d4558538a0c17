// Scratch directories and garbage collection.
#include "bootstrap/sandbox/scratch.hpp"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/lock.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "sandbox_support.hpp"
#include "support/must_run.hpp"

namespace fs = std::filesystem;
using namespace bootstrap::sandbox;
using namespace bootstrap::testing;

namespace {

struct Cache {
  Cache() {
    char t[] = "/var/tmp/bootstrap-cache-XXXXXX";
    root = mkdtemp(t);
  }
  ~Cache() { remove_tree(root); }
  fs::path root;
};

TEST(Scratch, MakesUpperAndWorkAndRemovesEverything) {
  Cache cache;
  fs::path dir;
  {
    Scratch s(cache.root);
    dir = s.dir();
    EXPECT_TRUE(fs::is_directory(s.upper()));
    EXPECT_TRUE(fs::is_directory(s.work()));
    EXPECT_EQ(dir.parent_path(), cache.root / "tmp");
    // What overlay leaves: a root-owned mode-000 work/work.
    fs::create_directory(s.work() / "work");
    chmod((s.work() / "work").c_str(), 0);
    std::ofstream(s.upper() / "f") << "x";
  }
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(fs::is_empty(cache.root / "tmp"));
}

TEST(Scratch, GcRemovesOnlyWhatNobodyHolds) {
  Cache cache;
  Scratch mine(cache.root);
  // A scratch dir of a bootstrap that was killed: made by a child that exits without cleanup.
  pid_t p = fork();
  if (p == 0) {
    auto* s = new Scratch(cache.root);  // never destroyed, like after SIGKILL
    std::ofstream(s->upper() / "left-behind") << "x";
    _exit(0);
  }
  waitpid(p, nullptr, 0);
  fs::create_directories(cache.root / "images/.tmp-debian-trixie-abc123/root/etc");
  FileLock building = FileLock::acquire(cache.root / "images/debian-bookworm.lock");
  fs::create_directories(cache.root / "images/.tmp-debian-bookworm-def456/root");
  std::size_t before = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(cache.root / "tmp")) ++before;
  ASSERT_EQ(before, 2u);

  auto removed = collect_garbage(cache.root);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_TRUE(fs::exists(mine.dir())) << "a live scratch dir was removed";
  EXPECT_FALSE(fs::exists(cache.root / "images/.tmp-debian-trixie-abc123"));
  EXPECT_TRUE(fs::exists(cache.root / "images/.tmp-debian-bookworm-def456"))
      << "a running build was removed";
  std::size_t after = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(cache.root / "tmp")) ++after;
  EXPECT_EQ(after, 1u);
}

TEST(Tree, RemoveTreeRefusesToCrossIntoAnotherFilesystem) {
  BOOTSTRAP_REQUIRE_ROOT();
  // Inside a sandbox (its own mount namespace), a mount inside a tree stops remove_tree.
  Cache cache;
  fs::create_directories(cache.root / "t/mnt");
  std::ofstream(cache.root / "t/file") << "x";
  Spec spec = host_spec();
  spec.binds = {{cache.root / "t", "/srv/t", false}, {"/usr/share/doc", "/srv/t/mnt", true}};
  Result r = run_body(spec, [](int fd) {
    try {
      remove_tree("/srv/t");
    } catch (const std::exception& e) {
      write_all(fd, e.what());
    }
    return 0;
  });
  EXPECT_NE(r.data.find("another filesystem is mounted there"), std::string::npos) << r.data;
  EXPECT_TRUE(fs::exists("/usr/share/doc"));
}

TEST(Tree, CopyTreeKeepsWhiteoutsOwnersModesLinksAndXattrs) {
  BOOTSTRAP_REQUIRE_ROOT();
  Cache cache;
  fs::path a = cache.root / "a", b = cache.root / "b";
  fs::create_directories(a / "d/opaque");
  std::ofstream(a / "d/f") << "data";
  chown((a / "d/f").c_str(), 1234, 5678);
  chmod((a / "d/f").c_str(), 04751);
  fs::create_hard_link(a / "d/f", a / "d/g");
  fs::create_symlink("../d/f", a / "d/l");
  ASSERT_EQ(mknod((a / "d/gone").c_str(), S_IFCHR, 0), 0);
  ASSERT_EQ(setxattr((a / "d/opaque").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  ASSERT_EQ(setxattr((a / "d/opaque").c_str(), "trusted.overlay.origin", "zz", 2, 0), 0);
  fs::create_directory(b);
  copy_tree(a, b);
  struct stat st {
  }, st2{};
  ASSERT_EQ(lstat((b / "d/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 04751u);
  ASSERT_EQ(lstat((b / "d/g").c_str(), &st2), 0);
  EXPECT_EQ(st.st_ino, st2.st_ino);
  EXPECT_EQ(fs::read_symlink(b / "d/l"), "../d/f");
  ASSERT_EQ(lstat((b / "d/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == 0);
  char v = 0;
  EXPECT_EQ(getxattr((b / "d/opaque").c_str(), "trusted.overlay.opaque", &v, 1), 1);
  EXPECT_LT(getxattr((b / "d/opaque").c_str(), "trusted.overlay.origin", nullptr, 0), 0);
}

}  // namespace
