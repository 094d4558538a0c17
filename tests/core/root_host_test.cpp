// RootHost: every path is resolved inside the root; planted symlinks never lead outside.
#include "bootstrap/root_host.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <fstream>

#include "bootstrap/system_error.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

// Every path below `dir` with its type and size, to prove a tree did not change.
std::string snapshot(const fs::path& dir) {
  std::string out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    lstat(e.path().c_str(), &st);
    out += e.path().string() + " " + std::to_string(st.st_mode) + " " + std::to_string(st.st_size) +
           "\n";
  }
  return out;
}

class RootHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(scratch.path() / "root/etc");
    fs::create_directories(scratch.path() / "outside");
    std::ofstream(scratch.path() / "outside/secret") << "keep me\n";
    before = snapshot(scratch.path() / "outside");
  }
  fs::path root() { return scratch.path() / "root"; }
  fs::path outside() { return scratch.path() / "outside"; }
  void expect_outside_unchanged() { EXPECT_EQ(snapshot(outside()), before); }

  TempDir scratch;
  std::string before;
};

TEST_F(RootHostTest, WritesReadsAndStatsInsideTheRoot) {
  RootHost host(root());
  host.write_file("/etc/x.conf", "hello\n", 0640, 0, 0);
  EXPECT_EQ(host.read_file("/etc/x.conf"), "hello\n");
  FileStat st = host.stat("/etc/x.conf");
  EXPECT_EQ(st.type, FileType::Regular);
  EXPECT_EQ(st.mode, 0640u);
  EXPECT_EQ(st.size, 6u);
  EXPECT_EQ(host.stat("/etc/none").type, FileType::Missing);
  EXPECT_EQ(host.stat("/no/such/dir").type, FileType::Missing);
  EXPECT_EQ(host.read_file("/etc/none"), std::nullopt);
  EXPECT_EQ(host.list_dir("/etc"), std::vector<std::string>{"x.conf"});
}

TEST_F(RootHostTest, AnAbsoluteSymlinkedDirectoryStaysInsideTheRoot) {
  fs::create_symlink(outside(), root() / "srv");  // /srv -> <the real outside folder>
  RootHost host(root());
  EXPECT_ANY_THROW(host.write_file("/srv/secret", "pwned", 0644, 0, 0));
  EXPECT_ANY_THROW(host.make_dir("/srv/apps", 0755, 0, 0));
  expect_outside_unchanged();
}

TEST_F(RootHostTest, AnAbsoluteSymlinkToEtcMeansTheTargetsEtc) {
  fs::create_symlink("/etc", root() / "srv");  // /srv -> /etc, as the target sees it
  // A name this machine's /etc cannot have, so its absence afterwards proves the write stayed in.
  std::string name = "bootstrap-test-" + root().filename().string();
  ASSERT_FALSE(fs::exists("/etc/" + name));
  RootHost host(root());
  host.write_file("/srv/" + name, "inside\n", 0644, 0, 0);
  EXPECT_TRUE(fs::is_regular_file(root() / "etc" / name));
  EXPECT_FALSE(fs::exists("/etc/" + name));
}

TEST_F(RootHostTest, DotDotSymlinksCannotClimbOut) {
  fs::create_symlink("../../outside", root() / "up");
  fs::create_symlink("../../../../../../../../..", root() / "etc/deep");
  RootHost host(root());
  EXPECT_ANY_THROW(host.write_file("/up/secret", "pwned", 0644, 0, 0));
  EXPECT_ANY_THROW(host.remove("/up/secret"));
  // "/etc/deep" resolves to the root itself, so this lands inside.
  host.write_file("/etc/deep/landed", "x", 0644, 0, 0);
  EXPECT_TRUE(fs::exists(root() / "landed"));
  expect_outside_unchanged();
}

TEST_F(RootHostTest, MetadataCallsDoNotFollowAFinalSymlink) {
  fs::create_symlink(outside() / "secret", root() / "etc/link");
  RootHost host(root());
  EXPECT_ANY_THROW(host.set_mode("/etc/link", 0777));
  host.set_owner("/etc/link", 1234, 1234);  // changes the link itself
  struct stat st {};
  stat((outside() / "secret").c_str(), &st);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_NE(st.st_mode & 0777, 0777u);
  host.remove("/etc/link");
  EXPECT_TRUE(fs::exists(outside() / "secret"));
  expect_outside_unchanged();
}

TEST_F(RootHostTest, ReadsFollowLinksOnlyInsideTheRoot) {
  fs::create_symlink(outside() / "secret", root() / "etc/peek");
  RootHost host(root());
  EXPECT_EQ(host.read_file("/etc/peek"),
            std::nullopt);  // <outside>/secret does not exist in the root
}

TEST_F(RootHostTest, RemoveDeletesWholeTreesButNotThroughLinks) {
  fs::create_directories(root() / "var/tree/a/b");
  std::ofstream(root() / "var/tree/a/b/f") << "x";
  fs::create_symlink(outside(), root() / "var/tree/a/out");
  RootHost host(root());
  host.remove("/var/tree");
  EXPECT_FALSE(fs::exists(root() / "var/tree"));
  expect_outside_unchanged();
}

TEST_F(RootHostTest, AccountsComeFromTheTargetNotThisMachine) {
  std::ofstream(root() / "etc/passwd")
      << "root:x:0:0:root:/root:/bin/sh\nsvc:x:4242:4243::/srv:/bin/false\n";
  std::ofstream(root() / "etc/group") << "root:x:0:\nsvcgrp:x:4243:svc,other\n";
  RootHost host(root());
  ASSERT_TRUE(host.user("svc"));
  EXPECT_EQ(host.user("svc")->id, 4242u);
  EXPECT_EQ(host.group("svcgrp")->members, (std::vector<std::string>{"svc", "other"}));
  EXPECT_FALSE(host.user("daemon"));  // exists on this machine, not in the target
}

TEST_F(RootHostTest, SystemErrorsNameTheCallThePathAndErrno) {
  RootHost host(root());
  try {
    host.make_dir("/missing/parent/dir", 0755, 0, 0);
    FAIL() << "no error";
  } catch (const SystemError& e) {
    EXPECT_STREQ(
        e.what(),
        "openat2(\"/missing/parent\", RESOLVE_IN_ROOT): ENOENT (No such file or directory)");
  }
}

TEST_F(RootHostTest, RunReportsOutputAndStatusAndFailuresNameTheCommand) {
  RootHost host("/");
  CommandResult r = host.run({{"sh", "-c", "echo out; echo err >&2; exit 3"}, {}, "", "/", 0, 0});
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.output, "out\nerr\n");
  try {
    throw_command_failed({{"sh", "-c", "exit 3"}, {}, "", "/", 0, 0}, r);
  } catch (const std::exception& e) {
    EXPECT_STREQ(
        e.what(),
        "command failed (exit status 3): sh -c 'exit 3'\n  last output:\n  | out\n  | err");
  }
  CommandResult cat = host.run({{"cat"}, {}, "fed through stdin", "/", 0, 0});
  EXPECT_EQ(cat.output, "fed through stdin");
  EXPECT_THROW(host.run({{"/no/such/program"}, {}, "", "/", 0, 0}), SystemError);
}

TEST_F(RootHostTest, RunReturnsWhenTheCommandExitsEvenIfADaemonKeepsItsOutputOpen) {
  RootHost host("/");
  auto t0 = std::chrono::steady_clock::now();
  CommandResult r = host.run({{"sh", "-c", "sleep 30 & echo daemon $!"}, {}, "", "/", 0, 0});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.output.rfind("daemon ", 0), 0u) << r.output;
  pid_t daemon = std::stoi(r.output.substr(7));
  EXPECT_EQ(::kill(daemon, 0), 0) << "the daemon should still run: run() did not wait for it";
  ::kill(daemon, SIGKILL);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_LT(took, 25.0) << "run() waited for the daemon's end of the pipe";
}

TEST_F(RootHostTest, ACommandPastItsTimeoutIsKilledAndNamed) {
  RootHost host("/");
  Command c{{"sh", "-c", "echo working; exec sleep 30"}, {}, "", "/", 0, 0};
  c.timeout_seconds = 0.3;
  try {
    host.run(c);
    FAIL() << "no timeout";
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(),
                 "command failed (timed out after 0.3 s and was killed): sh -c 'echo working; exec "
                 "sleep 30'\n"
                 "  last output:\n  | working");
  }
}

}  // namespace
}  // namespace bootstrap
