// A target whose /srv or /var is a filesystem of its own (a tmpfs here, as a disk would be on a
// host): the prepare sandbox sees what is on it, the commit writes into it, rollback restores
// it; and the host image shows what is mounted under /.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "for_real/target_fixture.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// Writes under /srv (a directory, files, a symlink, a removal) and, through its packages, into
// /var (dpkg's database, the apt lists) and /etc.
const char* kSrvAndPackages =
    "baseline: on-mounts\nos: [bookworm]\nsteps:\n"
    "  - fslayout:\n"
    "      groups: [{name: apps, gid: 2000}]\n"
    "      directories: [{path: /srv/apps, group: apps, mode: \"2775\"}]\n"
    "      files:\n"
    "        - {path: /srv/apps/app.conf, content: \"x = 1\\n\", mode: \"0640\", group: apps}\n"
    "        - {path: /srv/kept.txt, content: \"kept\\n\"}\n"
    "      symlinks: [{path: /srv/current, target: apps}]\n"
    "      absent: [/srv/old]\n"
    "  - daemontools:\n";

dev_t device_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p << ": " << std::strerror(errno);
  return st.st_dev;
}

class OnMounts : public TargetTest {
 protected:
  // A tmpfs at root/`name` holding what the image had there.
  void mount_own_filesystem(const std::string& name) {
    fs::path at = root / name, saved = dir.path() / ("saved-" + name);
    fs::rename(at, saved);
    fs::create_directory(at);
    ASSERT_EQ(::mount("tmpfs", at.c_str(), "tmpfs", 0, "size=512m,mode=0755"), 0)
        << std::strerror(errno);
    mounted_.push_back(at);
    auto copied = testing::run({"/bin/cp", "-a", saved.string() + "/.", at.string()});
    ASSERT_EQ(copied.status, 0) << copied.err;
  }
  void TearDown() override {
    for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it)
      ::umount2(it->c_str(), MNT_DETACH);
    TargetTest::TearDown();
  }

  // plan -o, apply --plan, then rollback; returns the plan.
  json plan_commit_and_roll_back(const std::string& baseline, const std::string& before) {
    auto planned = bootstrap({"plan", baseline, "--root", root.string(), "-o", file("plan")});
    EXPECT_EQ(planned.status, 0) << planned.out << planned.err;
    std::ifstream in(file("plan") + "/plan.json");
    json plan = json::parse(in);
    auto applied = bootstrap({"apply", baseline, "--for-real", "--root", root.string(), "--plan",
                              file("plan"), "--skip-record"});
    EXPECT_EQ(applied.status, 0) << applied.out << applied.err;
    EXPECT_EQ(dpkg_audit(root), "0:");
    after_commit = walk(root);
    auto undone = bootstrap({"rollback", "--root", root.string()});
    EXPECT_EQ(undone.status, 0) << undone.out << undone.err;
    std::string now = walk(root);
    EXPECT_TRUE(now == before) << first_differences(before, now);
    EXPECT_EQ(dpkg_audit(root), "0:");
    planned_output = planned.out;
    return plan;
  }

  // The planned change of `path`, or null.
  static json change_of(const json& plan, const std::string& path) {
    for (const auto& c : plan["changes"])
      if (c["path"] == path) return c;
    return nullptr;
  }

  std::string after_commit, planned_output;

 private:
  std::vector<fs::path> mounted_;
};

TEST_F(OnMounts, SrvOnItsOwnFilesystemIsPlannedCommittedIntoAndRolledBack) {
  mount_own_filesystem("srv");
  std::ofstream(root / "srv/old") << "to be removed\n";
  std::ofstream(root / "srv/kept.txt") << "kept\n";
  std::ofstream(root / "srv/untouched") << "not the baseline's\n";
  write("b.yaml", kSrvAndPackages);
  std::string before = walk(root);
  json plan = plan_commit_and_roll_back(file("b.yaml"), before);

  // The plan saw what is on the tmpfs: /srv/old is removed, /srv/kept.txt is already right.
  json old = change_of(plan, "/srv/old");
  ASSERT_FALSE(old.is_null()) << planned_output;
  EXPECT_EQ(old["action"], "remove");
  EXPECT_EQ(old["filesystem"], "/srv");
  EXPECT_TRUE(change_of(plan, "/srv/kept.txt").is_null()) << planned_output;
  EXPECT_TRUE(change_of(plan, "/srv/untouched").is_null());
  EXPECT_EQ(change_of(plan, "/srv/apps/app.conf")["filesystem"], "/srv");
  EXPECT_EQ(change_of(plan, "/etc/group")["filesystem"], "/");
  ASSERT_EQ(plan["filesystems"].size(), 1u);
  EXPECT_EQ(plan["filesystems"][0]["path"], "/srv");
  EXPECT_EQ(plan["filesystems"][0]["fstype"], "tmpfs");
  EXPECT_NE(planned_output.find("filesystems written: /srv (tmpfs)"), std::string::npos)
      << planned_output;
  // The commit wrote into the tmpfs (and the walk after it had the new files there).
  EXPECT_NE(after_commit.find("./srv/apps/app.conf f 640 0 2000"), std::string::npos);
  EXPECT_EQ(after_commit.find("./srv/old "), std::string::npos);
}

TEST_F(OnMounts, VarOnItsOwnFilesystemKeepsDpkgInAgreementAndRollsBack) {
  mount_own_filesystem("var");
  write("b.yaml", kSrvAndPackages);
  std::string before = walk(root);
  json plan = plan_commit_and_roll_back(file("b.yaml"), before);
  // dpkg's database is on /var: planned there, and the journal sits there too.
  json status = change_of(plan, "/var/lib/dpkg/status");
  ASSERT_FALSE(status.is_null()) << planned_output;
  EXPECT_EQ(status["filesystem"], "/var");
  EXPECT_EQ(status["action"], "replace");
  EXPECT_NE(after_commit.find("./usr/bin/svscan "), std::string::npos);
  EXPECT_EQ(device_of(root / "var/lib/bootstrap/journal"), device_of(root / "var"));
  EXPECT_NE(device_of(root / "var"), device_of(root / "etc"));
}

TEST_F(OnMounts, APlanMadeWithSrvMountedIsRefusedWhenItIsNot) {
  mount_own_filesystem("srv");
  write("b.yaml", kSrvAndPackages);
  auto planned = bootstrap({"plan", file("b.yaml"), "--root", root.string(), "-o", file("plan")});
  ASSERT_EQ(planned.status, 0) << planned.err;
  ASSERT_EQ(::umount2((root / "srv").c_str(), 0), 0) << std::strerror(errno);
  std::string before = walk(root);
  auto r = bootstrap({"apply", file("b.yaml"), "--for-real", "--root", root.string(), "--plan",
                      file("plan"), "--skip-record"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("is stale: the filesystems mounted under " + root.string() +
                       " are not the ones planned with (/srv (tmpfs from tmpfs); now none)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(walk(root), before);
}

// `bootstrap run host` on a machine with a filesystem mounted at /srv (in a mount namespace of
// the test's own, so this machine's /srv is not touched).
TEST(HostImage, ShowsWhatIsMountedUnderTheRoot) {
  BOOTSTRAP_REQUIRE_ROOT();
  std::string script = std::string("mount -t tmpfs tmpfs /srv && echo on-its-own > /srv/x && ") +
                       BOOTSTRAP_BINARY +
                       " run host -- sh -c 'cat /srv/x && echo changed > /srv/x' && cat /srv/x";
  auto r = testing::run(
      {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  // Seen inside; what the sandbox wrote went to its own upper layer, not to the mount.
  EXPECT_EQ(r.out, "on-its-own\non-its-own\n") << r.err;
}

}  // namespace
}  // namespace bootstrap
