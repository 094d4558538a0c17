// apply --for-real on a copy of debian:bookworm standing for a host (--root): the plan, the
// journaled commit, a second apply that changes nothing, rollback byte for byte, the record
// gate and its refusals, stale plans, and a commit interrupted at every commit point.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

#include "bootstrap/manifest.hpp"
#include "bootstrap/target_tree.hpp"
#include "for_real/target_fixture.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDragoman = std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml";

// Small but touching every kind of change: directories, a file replaced (/etc/motd), a file
// removed, a symlink, a group (/etc/group replaced), and Debian packages (dpkg's database).
const char* kSmall =
    "baseline: small\nos: [bookworm]\nsteps:\n"
    "  - fslayout:\n"
    "      groups: [{name: apps, gid: 2000}]\n"
    "      directories: [{path: /srv/apps, group: apps, mode: \"2775\"}]\n"
    "      files:\n"
    "        - {path: /etc/motd, content: \"managed\\n\"}\n"
    "        - {path: /srv/apps/app.conf, content: \"x = 1\\n\", mode: \"0640\", group: apps}\n"
    "      symlinks: [{path: /srv/current, target: apps}]\n"
    "      absent: [/etc/update-motd.d/10-uname]\n"
    "  - daemontools:\n";

// dpkg -V's complaints about files that are not configuration files (a "c" in column 2).
std::string dpkg_verify_non_conffiles(const fs::path& root) {
  auto r = testing::run({"/usr/bin/dpkg", "--root=" + root.string(), "-V"});
  std::istringstream in(r.out);
  std::string line, out;
  while (std::getline(in, line))
    if (line.size() > 11 && line[10] != 'c') out += line + "\n";
  return out;
}

class ForReal : public TargetTest {};

TEST_F(ForReal, DragomanIsCommittedAsPlannedChangesNothingTheSecondTimeAndRollsBackByteForByte) {
  std::string before = walk(root);
  auto checked = bootstrap(
      {"check", kDragoman, "--os", "bookworm", "--no-record", "--record-out", file("rec.json")});
  ASSERT_EQ(checked.status, 0) << checked.out << checked.err;
  auto planned = bootstrap({"plan", kDragoman, "--root", root.string(), "-o", file("plan")});
  ASSERT_EQ(planned.status, 0) << planned.out << planned.err;
  EXPECT_EQ(walk(root), before) << "plan changed the target";
  EXPECT_NE(planned.out.find("create   /opt/eggmonster  dir 0755 0:0"), std::string::npos)
      << planned.out;
  EXPECT_NE(planned.out.find("remove   /etc/update-motd.d/10-uname"), std::string::npos)
      << planned.out;
  // Each path under the step that wrote it (0-based: fslayout, python, setuptools, daemontools,
  // eggmonster, sso).
  EXPECT_NE(planned.out.find("step 4 daemontools  (18 changes, "), std::string::npos)
      << planned.out;

  auto applied = bootstrap({"apply", kDragoman, "--for-real", "--root", root.string(), "--plan",
                            file("plan"), "--record", file("rec.json")});
  ASSERT_EQ(applied.status, 0) << applied.out << applied.err;
  EXPECT_NE(applied.err.find("proved by " + file("rec.json")), std::string::npos) << applied.err;
  // Activation on a directory: only what works offline, and what was not started is named.
  EXPECT_NE(applied.out.find("activated: sshd -t accepts the committed configuration (step 6 sso)"),
            std::string::npos)
      << applied.out;
  EXPECT_NE(applied.err.find("not started: svscan /etc/service: not the running host; "
                             "daemontools-run.service (enabled) starts it when the host boots"),
            std::string::npos)
      << applied.err;
  // Every planned path on the target is what the change set holds.
  std::ifstream in(file("plan") + "/plan.json");
  json plan = json::parse(in);
  TargetTree target(root);
  std::size_t compared = 0;
  for (const auto& c : plan["changes"]) {
    ManifestEntry after = entry_from_json(c["after"]);
    auto now = target.read(after.path);
    if (after.type == ManifestEntry::Type::Whiteout) {
      EXPECT_FALSE(now) << after.path << " should be removed";
    } else {
      ASSERT_TRUE(now) << after.path << " is missing";
      EXPECT_TRUE(same_state(*now, after))
          << after.path << ": " << describe(*now) << " vs " << describe(after);
    }
    ++compared;
  }
  EXPECT_GT(compared, 1000u);
  auto step_of = [&](const std::string& path) {
    for (const auto& c : plan["changes"])
      if (c["path"] == path) return c["step"].get<int>();
    return -2;
  };
  EXPECT_EQ(step_of("/usr/bin/svscan"), 3);
  EXPECT_EQ(step_of("/opt/eggmonster"), 4);
  EXPECT_EQ(step_of("/etc/update-motd.d/10-uname"), 0);
  EXPECT_EQ(step_of("/usr/sbin/sshd"), 5);
  EXPECT_EQ(dpkg_audit(root), "0:");
  EXPECT_EQ(dpkg_verify_non_conffiles(root), "");

  auto again = bootstrap(
      {"apply", kDragoman, "--for-real", "--root", root.string(), "--record", file("rec.json")});
  ASSERT_EQ(again.status, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("plan: 0 paths"), std::string::npos) << again.out;
  EXPECT_NE(again.err.find("nothing to commit"), std::string::npos) << again.err;

  auto undone = bootstrap({"rollback", "--root", root.string()});
  ASSERT_EQ(undone.status, 0) << undone.out << undone.err;
  std::string after_rollback = walk(root);
  EXPECT_TRUE(after_rollback == before) << first_differences(before, after_rollback);
  EXPECT_EQ(dpkg_audit(root), "0:");
  auto history = bootstrap({"history", "--root", root.string()});
  EXPECT_NE(history.out.find("rolled-back: rolled back by 'bootstrap rollback'"), std::string::npos)
      << history.out;
}

// The login step's activation tests the committed sshd configuration: one broken after the
// commit (by the hook, as something else on the host could) fails the apply with the way back.
TEST_F(ForReal, AnSshdConfigurationThatFailsSshdTIsReportedWithTheWayBack) {
  std::string before = walk(root);
  std::string hook = "6:run:echo 'NoSuchOption yes' >> " +
                     (root / "etc/ssh/sshd_config.d/00-bootstrap-sso.conf").string();
  auto r = bootstrap({"apply", kDragoman, "--for-real", "--root", root.string(), "--skip-record"},
                     {"BOOTSTRAP_TEST_COMMIT_HOOK=" + hook});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("plugin sso (step 6) failed to activate: the committed sshd configuration "
                       "is refused: `/usr/sbin/sshd -t` exited with status 255"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Bad configuration option: NoSuchOption"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("activation failed on " + root.string() +
                       " after the commit; 'bootstrap rollback "),
            std::string::npos)
      << r.err;
  auto undone = bootstrap({"rollback", "--root", root.string()});
  ASSERT_EQ(undone.status, 0) << undone.out << undone.err;
  // The hook's line was written after the commit, into a file the commit created: the rollback
  // removes that file with everything else it created.
  std::string now = walk(root);
  EXPECT_TRUE(now == before) << first_differences(before, now);
}

TEST_F(ForReal, RefusalsSayWhyInOneLineAndChangeNothing) {
  write("small.yaml", kSmall);
  std::string before = walk(root);
  auto expect_refused = [&](const std::vector<std::string>& args, const std::string& why) {
    auto r = bootstrap(args);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  };
  // No record for this baseline at all (its text is new).
  write("new.yaml", std::string(kSmall) + "# " + dir.path().string() + "\n");
  expect_refused({"apply", file("new.yaml"), "--for-real", "--root", root.string()},
                 "no passing check record for baseline 'small' on bookworm");
  // A record for another release.
  auto trixie = bootstrap({"check", file("small.yaml"), "--os", "trixie", "--no-record",
                           "--record-out", file("trixie.json")});
  ASSERT_EQ(trixie.status, 0) << trixie.out << trixie.err;
  expect_refused({"apply", file("small.yaml"), "--for-real", "--root", root.string(), "--record",
                  file("trixie.json")},
                 "is for trixie; this target is bookworm");
  // A directory that is not a Debian root.
  fs::create_directories(dir.path() / "empty");
  expect_refused(
      {"apply", file("small.yaml"), "--for-real", "--root", file("empty"), "--skip-record"},
      file("empty") + " is not a Debian root");
  EXPECT_TRUE(fs::is_empty(dir.path() / "empty"));
  // This machine's / without --for-real.
  expect_refused({"apply", file("small.yaml")},
                 "refusing to apply to this machine's / without --for-real");
  EXPECT_EQ(walk(root), before);
}

TEST_F(ForReal, AStalePlanIsRefusedNamingThePathAndAWriteDuringTheCommitRollsBack) {
  write("small.yaml", kSmall);
  auto planned =
      bootstrap({"plan", file("small.yaml"), "--root", root.string(), "-o", file("plan")});
  ASSERT_EQ(planned.status, 0) << planned.out << planned.err;
  std::ofstream(root / "etc/motd", std::ios::app) << "edited by hand\n";
  std::string edited = walk(root);
  auto stale = bootstrap({"apply", file("small.yaml"), "--for-real", "--root", root.string(),
                          "--plan", file("plan"), "--skip-record"});
  EXPECT_EQ(stale.status, 1) << stale.out << stale.err;
  EXPECT_NE(stale.err.find("is stale"), std::string::npos) << stale.err;
  EXPECT_NE(stale.err.find("/etc/motd: content, size differ"), std::string::npos) << stale.err;
  EXPECT_EQ(walk(root), edited);

  // A new plan, and a write to a planned file once the commit has staged everything.
  auto replanned =
      bootstrap({"plan", file("small.yaml"), "--root", root.string(), "-o", file("plan2")});
  ASSERT_EQ(replanned.status, 0) << replanned.err;
  std::string hook = "3:run:echo 'written during the commit' >> " + (root / "etc/motd").string();
  auto raced = bootstrap({"apply", file("small.yaml"), "--for-real", "--root", root.string(),
                          "--plan", file("plan2"), "--skip-record"},
                         {"BOOTSTRAP_TEST_COMMIT_HOOK=" + hook});
  EXPECT_EQ(raced.status, 1) << raced.out << raced.err;
  EXPECT_NE(raced.err.find(
                "the target changed during the commit: /etc/motd: written to during the commit"),
            std::string::npos)
      << raced.err;
  EXPECT_NE(raced.err.find("rolled back"), std::string::npos) << raced.err;
  // Everything but the hook's own line is as it was.
  std::string now = walk(root);
  std::istringstream a(edited), b(now);
  std::string la, lb;
  std::size_t differing = 0;
  while (std::getline(a, la) && std::getline(b, lb))
    if (la != lb) {
      ++differing;
      EXPECT_NE(la.find("etc/motd"), std::string::npos) << la << " vs " << lb;
    }
  EXPECT_LE(differing, 2u);  // /etc/motd's size and its sha256
}

// SIGKILL at each commit point, then the next command recovers: the target is as it was
// (points 1-5, before the state says committed) or as planned (6), never a mix.
TEST_F(ForReal, ACommitKilledAtAnyPointIsRecoveredToTheOriginalOrThePlannedTree) {
  write("small.yaml", kSmall);
  fs::path pristine = dir.path() / "pristine";
  copy_image(pristine);
  std::string original = walk(pristine);
  auto planned =
      bootstrap({"plan", file("small.yaml"), "--root", root.string(), "-o", file("plan")});
  ASSERT_EQ(planned.status, 0) << planned.err;
  std::ifstream in(file("plan") + "/plan.json");
  json plan = json::parse(in);
  for (int point = 1; point <= 6; ++point) {
    SCOPED_TRACE("killed at commit point " + std::to_string(point));
    copy_image(root);
    auto killed = bootstrap({"apply", file("small.yaml"), "--for-real", "--root", root.string(),
                             "--plan", file("plan"), "--skip-record"},
                            {"BOOTSTRAP_TEST_COMMIT_HOOK=" + std::to_string(point) + ":kill"});
    EXPECT_EQ(killed.status, 128 + SIGKILL) << killed.out << killed.err;
    auto history = bootstrap({"history", "--root", root.string()});
    ASSERT_EQ(history.status, 0) << history.err;
    if (point < 6) {
      EXPECT_NE(history.err.find("was interrupted while committing; rolled back"),
                std::string::npos)
          << history.err;
      std::string now = walk(root);
      EXPECT_TRUE(now == original) << first_differences(original, now);
    } else {
      EXPECT_EQ(history.err.find("interrupted"), std::string::npos) << history.err;
      EXPECT_NE(history.out.find("committed"), std::string::npos) << history.out;
      TargetTree target(root);
      for (const auto& c : plan["changes"]) {
        ManifestEntry after = entry_from_json(c["after"]);
        auto now = target.read(after.path);
        if (after.type == ManifestEntry::Type::Whiteout)
          EXPECT_FALSE(now) << after.path;
        else
          EXPECT_TRUE(now && same_state(*now, after)) << after.path;
      }
      EXPECT_EQ(dpkg_audit(root), "0:");
    }
  }
}

// A target on a filesystem of its own that runs out of space in the middle of the commit.
TEST_F(ForReal, ACommitThatRunsOutOfSpaceIsRolledBack) {
  write("small.yaml", kSmall);
  fs::path small = dir.path() / "small";
  fs::create_directories(small);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=400m,mode=0755"), 0)
      << std::strerror(errno);
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{small};
  fs::path host = small / "host";
  copy_image(host);
  // Leave 256 KiB: less than a new copy of dpkg's status file.
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs(small.c_str(), &vfs), 0);
  std::uint64_t fill = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize - (256u << 10);
  auto filled =
      testing::run({"/usr/bin/fallocate", "-l", std::to_string(fill), (small / "filler").string()});
  ASSERT_EQ(filled.status, 0) << filled.err;
  std::string before = walk(host);
  auto r = bootstrap(
      {"apply", file("small.yaml"), "--for-real", "--root", host.string(), "--skip-record"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rolled back: " + host.string() + " is as it was"), std::string::npos)
      << r.err;
  std::string now = walk(host);
  EXPECT_TRUE(now == before) << first_differences(before, now);
  EXPECT_EQ(dpkg_audit(host), "0:");
}

}  // namespace
}  // namespace bootstrap
