// Nothing survives a sandbox: 200 in a row (crashing, daemonizing, mounting, keeping layers)
// leave the mount table, the process table and the cache's temporary folders as they were;
// so does a bootstrap killed mid-run, once `bootstrap gc` has run.
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "sandbox_support.hpp"
#include "support/must_run.hpp"

namespace fs = std::filesystem;
using namespace bootstrap::sandbox;
using namespace bootstrap::testing;

namespace {

// Processes anywhere on the machine running exactly `sleep <marker>`.
int sleeping(const std::string& marker) {
  int n = 0;
  const std::string argv = std::string("sleep") + '\0' + marker + '\0';
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (read_text(e.path() / "cmdline") == argv) ++n;
  }
  return n;
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

struct Cache {
  Cache() {
    char t[] = "/var/tmp/bootstrap-leak-XXXXXX";
    root = mkdtemp(t);
    fs::create_directories(root / "tmp");
  }
  ~Cache() { remove_tree(root); }
  fs::path root;
};

TEST(Leaks, TwoHundredSandboxesLeaveNothingBehind) {
  BOOTSTRAP_REQUIRE_ROOT();
  Cache cache;
  const std::string mounts = host_mounts();
  const auto children = my_children();
  const auto tmp = listing(cache.root / "tmp");
  const std::string marker = "1000.4242";

  for (int i = 0; i < 200; ++i) {
    Spec spec = host_spec();
    std::unique_ptr<Scratch> scratch;
    Result r;
    switch (i % 5) {
      case 0:  // segfaults (a command: a sanitizer in this process would turn it into an abort)
        r = Sandbox::start(spec, {"sh", "-c", "kill -SEGV $$"}).wait();
        EXPECT_EQ(r.signal, SIGSEGV) << i;
        break;
      case 1:  // leaves a daemon that ignores SIGTERM and SIGHUP
        r = Sandbox::start(spec,
                           {"sh", "-c", "(trap '' TERM HUP; exec sleep " + marker + ") & exit 0"})
                .wait();
        EXPECT_EQ(r.status, 0) << i;
        break;
      case 2:  // tries to leave mounts (denied) and a process in its own session
        r = run_body(spec, [](int) {
          mount("tmpfs", "/mnt", "tmpfs", 0, nullptr);
          mount("/", "/mnt", nullptr, MS_BIND | MS_REC, nullptr);
          if (fork() == 0) {
            setsid();
            pause();
          }
          return 3;
        });
        EXPECT_EQ(r.status, 3) << i;
        break;
      case 3:  // writes to a persistent upper in a scratch dir of the cache
        scratch = std::make_unique<Scratch>(cache.root);
        spec.upper = scratch->upper();
        spec.work = scratch->work();
        r = Sandbox::start(spec, {"sh", "-c", "echo $$ > /etc/motd; rm -f /etc/issue"}).wait();
        EXPECT_EQ(r.status, 0) << i;
        EXPECT_TRUE(fs::exists(scratch->upper() / "etc/motd")) << i;
        break;
      default:  // an ordinary failing command
        r = Sandbox::start(spec, {"false"}).wait();
        EXPECT_EQ(r.status, 1) << i;
    }
    scratch.reset();
    ASSERT_EQ(host_mounts(), mounts) << "after sandbox " << i;
  }
  EXPECT_EQ(my_children(), children);
  EXPECT_EQ(sleeping(marker), 0) << "a daemon survived its sandbox";
  EXPECT_EQ(listing(cache.root / "tmp"), tmp);
}

// Teardown::InBackground (what `bootstrap run` uses) returns before pid 1 is reaped, but only
// once every other process of the sandbox is gone: a daemon that ignores SIGTERM included, and
// one that runs as another user.
TEST(Leaks, BackgroundTeardownReturnsOnlyOnceTheSandboxIsEmpty) {
  BOOTSTRAP_REQUIRE_ROOT();
  const std::string mounts = host_mounts();
  const std::string marker = "1000.4545";
  for (int i = 0; i < 20; ++i) {
    std::string daemon =
        i % 2 ? "exec setpriv --reuid=65534 --regid=65534 --clear-groups sleep " : "exec sleep ";
    Sandbox box = Sandbox::start(
        host_spec(), {"sh", "-c", "(trap '' TERM HUP; " + daemon + marker + ") & exit 7"});
    pid_t init = box.pid();
    Result r = box.wait(Teardown::InBackground);
    EXPECT_EQ(r.status, 7) << i;
    EXPECT_EQ(sleeping(marker), 0) << "a daemon outlived wait() in sandbox " << i;
    // pid 1 is left to finish on its own; it ends without anyone's help. (When it had already
    // ended, wait() reaped it.)
    int ws = 0;
    pid_t reaped = waitpid(init, &ws, 0);
    if (reaped == -1) {
      EXPECT_EQ(errno, ECHILD) << i;
    } else {
      ASSERT_EQ(reaped, init) << i;
      EXPECT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 7) << i;
    }
    ASSERT_EQ(host_mounts(), mounts) << "after sandbox " << i;
  }
  // The same through the command line: when `bootstrap run` returns, its daemon is gone.
  std::string run = std::string(BOOTSTRAP_BINARY) +
                    " run host -- sh -c \"(trap '' TERM HUP; exec sleep " + marker + ") & exit 5\"";
  int status = system(run.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5) << status;
  EXPECT_EQ(sleeping(marker), 0);
  EXPECT_EQ(host_mounts(), mounts);
}

TEST(Leaks, KilledBootstrapThenGcLeavesNothingBehind) {
  BOOTSTRAP_REQUIRE_ROOT();
  Cache cache;
  const std::string mounts = host_mounts();
  const std::string marker = "1000.4343";
  fs::path keep = cache.root / "kept";
  // Rootless, the host image is read-only: the user's bookworm image (as host_spec) keeps changes.
  std::string image = "host";
  if (rootless()) {
    image = "debian:bookworm";
    fs::create_directories(cache.root / "images");
    fs::create_directory_symlink(fs::path(host_spec().lowers.back()).parent_path(),
                                 cache.root / "images/debian-bookworm");
  }
  pid_t bootstrap = fork();
  if (bootstrap == 0) {
    execl(BOOTSTRAP_BINARY, "bootstrap", "--cache-dir", cache.root.c_str(), "run", "--keep-changes",
          keep.c_str(), image.c_str(), "--", "sh", "-c",
          ("echo x > /etc/motd; sleep " + marker).c_str(), nullptr);
    _exit(127);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      if (pid <= 0) return;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reap{bootstrap};
  // Wait until the command runs inside.
  for (int i = 0; i < 500 && sleeping(marker) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(sleeping(marker), 1);
  ASSERT_EQ(listing(cache.root / "tmp").size(), 1u) << "the run's scratch dir";
  kill(bootstrap, SIGKILL);
  waitpid(bootstrap, nullptr, 0);
  reap.pid = -1;
  // The sandbox dies with it (its pid 1 has PR_SET_PDEATHSIG).
  for (int i = 0; i < 500 && sleeping(marker) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(sleeping(marker), 0);
  EXPECT_EQ(host_mounts(), mounts);

  std::string gc =
      std::string(BOOTSTRAP_BINARY) + " --cache-dir " + cache.root.string() + " gc >/dev/null 2>&1";
  EXPECT_EQ(system(gc.c_str()), 0);
  EXPECT_TRUE(listing(cache.root / "tmp").empty());
  EXPECT_FALSE(fs::exists(keep));
  EXPECT_EQ(host_mounts(), mounts);
}

}  // namespace
