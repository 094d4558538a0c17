// Squashing step layers: one layer laid over another as overlayfs shows them, whiteouts and
// opaque directories kept, files shared by hard link (nothing copied).
#include "../../core/src/check/layer_stack.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fstream>

#include "support/must_run.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;

struct stat stat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

bool is_opaque(const fs::path& p) {
  char v = 0;
  return ::lgetxattr(p.c_str(), "trusted.overlay.opaque", &v, 1) == 1 && v == 'y';
}

TEST(LayerStack, ALayerLaidOverAnotherIsWhatOverlayfsWouldShow) {
  BOOTSTRAP_REQUIRE_ROOT();  // whiteouts are device nodes; opaque markers are trusted.* xattrs
  testing::TempDir dir;
  fs::path lower = dir.path() / "lower", upper = dir.path() / "upper", into = dir.path() / "into";
  for (const auto& d : {lower / "a", lower / "b", upper / "a", upper / "b", into})
    fs::create_directories(d);
  std::ofstream(lower / "a/gone") << "removed by the upper layer\n";
  std::ofstream(lower / "a/kept") << "kept\n";
  std::ofstream(lower / "b/hidden") << "hidden by an opaque directory\n";
  ASSERT_EQ(::mknod((upper / "a/gone").c_str(), S_IFCHR, makedev(0, 0)), 0);
  ASSERT_EQ(::lsetxattr((upper / "b").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  std::ofstream(upper / "b/new") << "new\n";
  ASSERT_EQ(::chmod((upper / "a").c_str(), 02775), 0);
  ASSERT_EQ(::symlink("a/kept", (upper / "link").c_str()), 0);

  lay_over(lower, into);
  lay_over(upper, into);

  EXPECT_EQ(stat_of(into / "a/kept").st_ino, stat_of(lower / "a/kept").st_ino) << "not linked";
  struct stat gone = stat_of(into / "a/gone");
  EXPECT_TRUE(S_ISCHR(gone.st_mode) && gone.st_rdev == makedev(0, 0)) << "the whiteout is kept";
  EXPECT_EQ(stat_of(into / "a").st_mode & 07777, 02775u) << "the upper's mode wins";
  EXPECT_FALSE(fs::exists(into / "b/hidden")) << "an opaque directory replaces the one below";
  EXPECT_TRUE(is_opaque(into / "b"));
  EXPECT_EQ(stat_of(into / "b/new").st_ino, stat_of(upper / "b/new").st_ino);
  EXPECT_EQ(fs::read_symlink(into / "link"), "a/kept");
  EXPECT_FALSE(is_opaque(into / "a"));
}

}  // namespace
}  // namespace bootstrap
