// A target for apply --for-real: a copy of debian:bookworm (the shared image cache) in a
// temporary directory, standing for a host; and an independent walk of a tree (find, sha256sum,
// getfattr) to compare it with, so that bootstrap's own code does not judge itself.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "bootstrap/sandbox/images.hpp"
#include "support/must_run.hpp"
#include "support/processes.hpp"
#include "support/run.hpp"
#include "support/walk.hpp"

namespace bootstrap {

// `dpkg --audit` on a target: "0:" when dpkg's database agrees with itself.
inline std::string dpkg_audit(const std::filesystem::path& root) {
  auto r = testing::run({"/usr/bin/dpkg", "--root=" + root.string(), "--audit"});
  return std::to_string(r.status) + ":" + r.out + r.err;
}

class TargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_before_ = testing::mounts();
    sandbox::ImageStore store(sandbox::default_cache_root());
    image_ = store.get("debian:bookworm").root;
    root = dir.path() / "host";
    copy_image(root);
  }
  void TearDown() override {
    if (mounts_before_.empty()) return;
    EXPECT_EQ(testing::mounts(), mounts_before_) << "a test left mounts behind";
    for (const char* program : {"svscan", "supervise", "/usr/sbin/sshd", "monster_launchd"})
      EXPECT_TRUE(testing::processes_running({program}).empty()) << program << " outlived the test";
  }

  // A fresh copy of the image at `to` (replacing what is there).
  void copy_image(const std::filesystem::path& to) {
    std::filesystem::remove_all(to);
    auto r = testing::run({"/bin/cp", "-a", image_.string(), to.string()});
    ASSERT_EQ(r.status, 0) << r.err;
  }

  // Every path under `tree` but bootstrap's own /var/lib/bootstrap (support/walk.hpp).
  static std::string walk(const std::filesystem::path& tree) {
    return testing::walk_tree(tree, "./var/lib/bootstrap");
  }

  // The first lines where two walks differ, for a failure message.
  static std::string first_differences(const std::string& a, const std::string& b) {
    std::istringstream ia(a), ib(b);
    std::string la, lb, out;
    int shown = 0;
    while (shown < 10 && (std::getline(ia, la) || std::getline(ib, lb))) {
      if (la != lb) {
        out += "- " + la + "\n+ " + lb + "\n";
        ++shown;
      }
      la.clear();
      lb.clear();
    }
    return out;
  }

  testing::Ran bootstrap(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    return testing::bootstrap(std::move(args), env);
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir.path() / name) << text;
  }
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }

  testing::TempDir dir;
  std::filesystem::path root;

 private:
  std::filesystem::path image_;
  std::string mounts_before_;
};

}  // namespace bootstrap
