// The real thing: a manifest of an overlayfs upper layer after a mount in a private namespace.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "bootstrap/digest.hpp"
#include "bootstrap/manifest.hpp"
#include "support/must_run.hpp"
#include "temp_tree.hpp"

namespace bootstrap {
namespace {

namespace fs = std::filesystem;
using Type = ManifestEntry::Type;

// Runs `body` in a forked child inside its own mount namespace; returns its exit status.
template <typename F>
int in_private_mount_ns(F body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(90);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(91);
    int rc = 92;
    try {
      rc = body();
    } catch (...) {
    }
    ::_exit(rc);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool mounted_anywhere(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(path) != std::string::npos) return true;
  }
  return false;
}

TEST(OverlayManifest, WhiteoutFileAndOpaqueDirAppearInTheUpperLayer) {
  BOOTSTRAP_REQUIRE_ROOT();
  testing::TempTree t;
  t.file("lower/etc/old.conf", "old\n");
  t.file("lower/etc/kept.conf", "kept\n");
  t.file("lower/opt/app/a", "a");
  t.file("lower/opt/app/b", "b");
  t.dir("upper");
  t.dir("work");
  t.dir("merged");

  int rc = in_private_mount_ns([&]() -> int {
    std::string opts = "lowerdir=" + (t / "lower").string() +
                       ",upperdir=" + (t / "upper").string() + ",workdir=" + (t / "work").string();
    if (::mount("overlay", (t / "merged").c_str(), "overlay", 0, opts.c_str()) != 0) return 10;
    fs::path m = t / "merged";
    fs::remove(m / "etc/old.conf");                // a deletion: whiteout
    std::ofstream(m / "etc/new.conf") << "new\n";  // a new file
    fs::remove_all(m / "opt/app");                 // rm -r + mkdir: opaque directory
    fs::create_directory(m / "opt/app");
    std::ofstream(m / "opt/app/c") << "c";
    if (::umount2(m.c_str(), 0) != 0) return 11;
    return 0;
  });
  if (rc == 10) {
    BOOTSTRAP_SKIP_UNLESS(false, "cannot mount overlayfs here");
  }
  ASSERT_EQ(rc, 0);
  EXPECT_FALSE(mounted_anywhere(t.root().string())) << "no mount may outlive the test";

  Manifest m = build_manifest(t / "upper");
  const auto* old = m.find("/etc/old.conf");
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->type, Type::Whiteout);
  const auto* added = m.find("/etc/new.conf");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->type, Type::File);
  EXPECT_EQ(added->digest, digest_bytes("new\n").text());
  EXPECT_EQ(m.find("/etc/kept.conf"), nullptr) << "untouched lower files are not in the upper";
  const auto* app = m.find("/opt/app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->type, Type::Dir);
  EXPECT_TRUE(app->opaque);
  for (const auto& e : m.entries()) {
    for (const auto& [k, v] : e.xattrs) EXPECT_FALSE(k.starts_with("trusted.overlay.")) << e.path;
  }
  EXPECT_NE(m.find("/opt/app/c"), nullptr);
  EXPECT_EQ(m.find("/opt/app/a"), nullptr);

  auto s = summarize(m);
  EXPECT_EQ(s.whiteouts, 1u);
  EXPECT_EQ(s.opaque_dirs, 1u);

  std::vector<std::string> lines;
  for (const auto& c : list_changes(m, {t / "lower"})) {
    lines.push_back(std::string(to_string(c.kind)) + " " + c.entry->path);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"created /etc/new.conf", "removed /etc/old.conf",
                                             "modified /opt/app", "created /opt/app/c"}));
}

}  // namespace
}  // namespace bootstrap
