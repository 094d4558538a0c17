// The sandbox as the engine uses it: bodies, commands, results, layers, teardown.
#include "bootstrap/sandbox/sandbox.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bootstrap/sandbox/network.hpp"
#include "bootstrap/system_error.hpp"
#include "sandbox_support.hpp"
#include "support/must_run.hpp"

namespace fs = std::filesystem;
using namespace bootstrap;
using namespace bootstrap::sandbox;
using namespace bootstrap::testing;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "bootstrap-test-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_before_ = host_mounts();
  }
  void TearDown() override {
    if (!HasFatalFailure() && !IsSkipped()) {
      EXPECT_EQ(host_mounts(), mounts_before_) << "the host's mount table changed";
    }
  }
  std::string mounts_before_;
};

TEST_F(SandboxTest, BodyRunsAsMainProcessAndReturnsItsStatusAndData) {
  Result r = run_body(host_spec(), [](int fd) {
    write_all(fd, "pid=" + std::to_string(getpid()) + " ppid=" + std::to_string(getppid()));
    return 7;
  });
  EXPECT_EQ(r.status, 7);
  EXPECT_EQ(r.signal, 0);
  // The first process under the reaper (pid 1) of a fresh pid namespace.
  EXPECT_EQ(r.data, "pid=2 ppid=1");
  EXPECT_EQ(r.describe(), "exited with status 7");
}

TEST_F(SandboxTest, BigResultDoesNotDeadlock) {
  Result r = run_body(host_spec(), [](int fd) {
    write_all(fd, std::string(20 << 20, 'x'));
    return 0;
  });
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.data.size(), std::size_t{20} << 20);
}

TEST_F(SandboxTest, CommandExitStatusAndSignals) {
  EXPECT_EQ(Sandbox::start(host_spec(), {"sh", "-c", "exit 42"}).wait().status, 42);
  Result killed = Sandbox::start(host_spec(), {"sh", "-c", "kill -SEGV $$"}).wait();
  EXPECT_EQ(killed.status, 128 + SIGSEGV);
  EXPECT_EQ(killed.describe(), "killed by SIGSEGV");
  EXPECT_EQ(Sandbox::start(host_spec(), {"no-such-command-anywhere"}).wait().status, 127);
}

TEST_F(SandboxTest, EnvironmentIsCleanAndFixed) {
  setenv("BOOTSTRAP_LEAKY", "1", 1);
  Spec spec = host_spec();
  spec.env = {"EXTRA=yes", "HOME=/home/x"};
  Result r = run_body(spec, [](int fd) {
    std::string out;
    for (char** e = environ; *e; ++e) out += std::string(*e) + "\n";
    write_all(fd, out);
    return 0;
  });
  unsetenv("BOOTSTRAP_LEAKY");
  EXPECT_EQ(r.data,
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
            "DEBIAN_FRONTEND=noninteractive\nLC_ALL=C.UTF-8\nSYSTEMD_OFFLINE=1\nEXTRA=yes\nHOME=/"
            "home/x\n");
}

TEST_F(SandboxTest, OnlyTheResultDescriptorIsInherited) {
  int leak = open("/etc/passwd", O_RDONLY);  // not close-on-exec on purpose
  ASSERT_GE(leak, 0);
  Result r = run_body(host_spec(), [](int fd) {
    std::string out;
    for (const auto& e : fs::directory_iterator("/proc/self/fd"))
      out += e.path().filename().string() + " ";
    write_all(fd, out);
    return 0;
  });
  close(leak);
  // 0 1 2, the result pipe (3), and the directory_iterator's own descriptor.
  EXPECT_EQ(r.data.substr(0, 8), "0 1 2 3 ") << r.data;
  EXPECT_LE(r.data.size(), 11u) << r.data;
}

TEST_F(SandboxTest, HostnameLoopbackAndNamespaces) {
  Spec spec = host_spec();
  spec.hostname = "sbx-test";
  Result r = run_capture(spec,
                         "hostname; cat /etc/hostname; ls /sys/class/net | tr '\\n' ' '; "
                         "cat /sys/class/net/lo/operstate; ps -e -o pid= | wc -l");
  ASSERT_EQ(r.status, 0);
  // pid 1, the body, sh, ps, wc: nothing of the host.
  EXPECT_EQ(r.data, "sbx-test\nsbx-test\nlo unknown\n5\n");
}

// A network made early (as `bootstrap run` does) is the sandbox's own: loopback up, nothing of
// the host's; and it serves one sandbox only.
TEST_F(SandboxTest, APrivateNetworkMadeEarlyServesOneSandbox) {
  auto host_net = fs::read_symlink("/proc/self/ns/net");
  for (int i = 0; i < 2; ++i) {
    Spec spec = host_spec();
    spec.network = PrivateNetwork::start();
    Result r = run_capture(spec,
                           "ls /sys/class/net | tr '\\n' ' '; cat /sys/class/net/lo/operstate; "
                           "readlink /proc/self/ns/net");
    ASSERT_EQ(r.status, 0);
    EXPECT_EQ(r.data.substr(0, 11), "lo unknown\n") << r.data;
    EXPECT_NE(r.data.substr(11), host_net.string() + "\n");
    EXPECT_THROW(Sandbox::start(spec, {"true"}), std::invalid_argument)
        << "a second sandbox in the same network";
  }
}

TEST_F(SandboxTest, PolicyRcDotDRefusesServicesAndNeverReachesTheUpper) {
  auto scratch = TempDir();
  fs::create_directory(scratch.path() / "upper");
  fs::create_directory(scratch.path() / "work");
  TempDir image;
  fs::create_directories(image.path() / "etc");
  fs::create_directories(image.path() / "usr/sbin");
  Spec spec = host_spec();
  spec.upper = scratch.path() / "upper";
  spec.work = scratch.path() / "work";
  Result r = run_body(spec, [](int fd) {
    int rc = system("/usr/sbin/policy-rc.d; echo $? > /tmp/rc");
    (void)rc;
    std::string out = read_text("/tmp/rc") + read_text("/etc/hostname") +
                      std::string(getenv("SYSTEMD_OFFLINE") ? getenv("SYSTEMD_OFFLINE") : "");
    // The run rewrites them too: still not part of the result.
    std::ofstream("/etc/hostname") << "changed\n";
    std::ofstream("/etc/resolv.conf") << "nameserver 10.9.9.9\n";
    write_all(fd, out);
    return 0;
  });
  EXPECT_EQ(r.data, "101\nbootstrap\n1");
  EXPECT_FALSE(fs::exists(spec.upper / "etc/hostname"));
  EXPECT_FALSE(fs::exists(spec.upper / "etc/resolv.conf"));
  EXPECT_FALSE(fs::exists(spec.upper / "usr/sbin/policy-rc.d"));
  EXPECT_TRUE(fs::is_empty(spec.upper))
      << "upper holds " << fs::begin(fs::directory_iterator(spec.upper))->path();
}

TEST_F(SandboxTest, UpperHoldsExactlyTheChangesWithWhiteoutsAndOpaqueDirs) {
  TempDir image, scratch;
  fs::create_directories(image.path() / "etc");
  fs::create_directories(image.path() / "usr/sbin");
  fs::create_directories(image.path() / "bin");
  fs::create_directories(image.path() / "data/old");
  for (const char* d : {"dev", "proc", "sys", "tmp", "run"})
    fs::create_directories(image.path() / d);
  std::ofstream(image.path() / "data/keep") << "k";
  std::ofstream(image.path() / "data/gone") << "g";
  std::ofstream(image.path() / "data/old/inside") << "i";
  fs::create_directory(scratch.path() / "upper");
  fs::create_directory(scratch.path() / "work");
  Spec spec;
  spec.lowers = {image.path()};
  spec.upper = scratch.path() / "upper";
  spec.work = scratch.path() / "work";
  Result r = run_body(spec, [](int) {
    std::ofstream("/data/new") << "n";
    fs::remove("/data/gone");
    fs::remove_all("/data/old");
    fs::create_directory("/data/old");
    std::ofstream("/data/old/fresh") << "f";
    return 0;
  });
  ASSERT_EQ(r.status, 0);
  const fs::path up = spec.upper;
  EXPECT_EQ(read_text(up / "data/new"), "n");
  struct stat st {};
  ASSERT_EQ(lstat((up / "data/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) << "whiteout";
  char v = 0;
  EXPECT_EQ(lgetxattr((up / "data/old").c_str(), "trusted.overlay.opaque", &v, 1), 1);
  EXPECT_EQ(v, 'y');
  EXPECT_FALSE(fs::exists(up / "data/keep"));
  EXPECT_FALSE(fs::exists(up / "etc"));
  EXPECT_FALSE(fs::exists(up / "proc"));
}

TEST_F(SandboxTest, HostImageUpperIsCopiedOutAndTheHostIsUntouched) {
  TempDir scratch;
  fs::create_directory(scratch.path() / "upper");
  fs::create_directory(scratch.path() / "work");
  std::string motd = read_text("/etc/motd");
  Spec spec = host_spec();
  spec.upper = scratch.path() / "upper";
  spec.work = scratch.path() / "work";
  Result r =
      Sandbox::start(spec, {"sh", "-c", "echo x > /etc/motd && rm -f /etc/debian_version"}).wait();
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(read_text("/etc/motd"), motd);
  EXPECT_TRUE(fs::exists("/etc/debian_version"));
  EXPECT_EQ(read_text(spec.upper / "etc/motd"), "x\n");
  struct stat st {};
  ASSERT_EQ(lstat((spec.upper / "etc/debian_version").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  std::set<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(spec.upper))
    names.insert(fs::relative(e.path(), spec.upper));
  EXPECT_EQ(names, (std::set<std::string>{"etc", "etc/motd", "etc/debian_version"}));
}

TEST_F(SandboxTest, DaemonsDieWithTheSandbox) {
  auto before = my_children();
  Result r =
      Sandbox::start(host_spec(), {"sh", "-c", "(trap '' TERM HUP; sleep 1000) & echo started"})
          .wait();
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(my_children(), before);
  EXPECT_EQ(system("pgrep -x 'sleep' -a | grep -q 'sleep 1000'"), 256) << "the daemon survived";
}

TEST_F(SandboxTest, ParallelSandboxesFromOneThread) {
  std::vector<Sandbox> boxes;
  for (int i = 0; i < 4; ++i) {
    boxes.push_back(Sandbox::start(host_spec(), [i](int fd) {
      write_all(fd, std::string(1 << 20, static_cast<char>('a' + i)));
      return i;
    }));
  }
  for (int i = 3; i >= 0; --i) {
    Result r = boxes[static_cast<std::size_t>(i)].wait();
    EXPECT_EQ(r.status, i);
    EXPECT_EQ(r.data, std::string(1 << 20, static_cast<char>('a' + i)));
  }
}

TEST_F(SandboxTest, SetupFailureThrowsNamingTheCall) {
  Spec spec;
  spec.lowers = {"/nonexistent/bootstrap/lower"};
  try {
    Sandbox::start(spec, {"true"});
    FAIL() << "no exception";
  } catch (const SystemError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/bootstrap/lower"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.error_number(), ENOENT);
  }
  Spec bad = host_spec();
  bad.cwd = "/no/such/dir";
  EXPECT_THROW(Sandbox::start(bad, {"true"}), SystemError);
}

TEST_F(SandboxTest, BindsAreVisibleAndReadOnlyWhenAsked) {
  TempDir src;
  std::ofstream(src.path() / "f") << "hello";
  Spec spec = host_spec();
  spec.binds = {{src.path(), "/srv/cache", true}};
  Result r =
      Sandbox::start(spec,
                     {"sh", "-c", "cat /srv/cache/f; touch /srv/cache/g 2>/dev/null && echo WROTE"})
          .wait();
  EXPECT_EQ(r.status, 1);
  EXPECT_FALSE(fs::exists(src.path() / "g"));
}

volatile sig_atomic_t caller_handler_ran = 0;

// pid 1 of a command shares the caller's memory until the command runs: nothing in the sandbox
// may make the caller's code run there, and the caller keeps what it had (environment, mask).
TEST_F(SandboxTest, TheCommandGetsTheCallersSignalMaskButCannotRunItsHandlers) {
  struct sigaction handler {
  }, old_handler{};
  handler.sa_handler = [](int) { caller_handler_ran = 1; };
  ASSERT_EQ(sigaction(SIGUSR1, &handler, &old_handler), 0);
  sigset_t usr2, old_mask;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr2, &old_mask), 0);
  setenv("BOOTSTRAP_CALLER_MARK", "kept", 1);
  char** caller_environment = environ;

  TempDir out;
  Spec spec = host_spec();
  spec.env = {"EXTRA=yes"};
  spec.binds = {{out.path(), "/out", false}};
  // cp, not sh: dash clears its signal mask.
  Result copied = Sandbox::start(spec, {"cp", "/proc/self/status", "/out/status"}).wait();
  Result r = Sandbox::start(spec, {"sh", "-c", "kill -USR1 1 && echo sent > /out/signal"}).wait();
  sigset_t mask_after;
  pthread_sigmask(SIG_SETMASK, &old_mask, &mask_after);
  sigaction(SIGUSR1, &old_handler, nullptr);

  EXPECT_EQ(copied.status, 0);
  EXPECT_NE(read_text(out.path() / "status").find("\nSigBlk:\t0000000000000800\n"),
            std::string::npos)
      << "not the caller's mask (SIGUSR2 only):\n"
      << read_text(out.path() / "status");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(read_text(out.path() / "signal"), "sent\n");
  EXPECT_EQ(caller_handler_ran, 0) << "a signal sent to pid 1 ran the caller's handler";
  EXPECT_EQ(sigismember(&mask_after, SIGUSR2), 1);
  EXPECT_EQ(sigismember(&mask_after, SIGUSR1), 0) << "the caller's mask changed";
  EXPECT_EQ(environ, caller_environment);
  EXPECT_STREQ(getenv("BOOTSTRAP_CALLER_MARK"), "kept");
  EXPECT_EQ(getenv("EXTRA"), nullptr);
  unsetenv("BOOTSTRAP_CALLER_MARK");
}

TEST_F(SandboxTest, DestroyingAnUnwaitedSandboxKillsIt) {
  auto before = my_children();
  { Sandbox s = Sandbox::start(host_spec(), {"sleep", "1000"}); }
  EXPECT_EQ(my_children(), before);
}

}  // namespace
