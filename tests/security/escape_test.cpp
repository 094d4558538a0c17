// Escape attempts, run as root inside a sandbox. Each one must fail, and leave the outside as
// it was: the mount table (checked after every test), the files it aimed at, the clock, the
// hostname, the process table.
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "sandboxes/sandbox_support.hpp"
#include "support/must_run.hpp"

namespace fs = std::filesystem;
using namespace bootstrap;
using namespace bootstrap::sandbox;
using namespace bootstrap::testing;

namespace {

// A file the sandbox must never reach: on the host's /dev/shm, a mount no sandbox sees.
class Secret {
 public:
  Secret() {
    char name[] = "/dev/shm/bootstrap-secret-XXXXXX";
    int fd = mkstemp(name);
    path_ = name;
    ::write(fd, "secret", 6);
    ::close(fd);
  }
  ~Secret() { fs::remove(path_); }
  const fs::path& path() const { return path_; }
  bool untouched() const { return read_text(path_) == "secret"; }

 private:
  fs::path path_;
};

class Escape : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_ = host_mounts();
    children_ = my_children();
    char h[256] = {};
    gethostname(h, sizeof h);
    hostname_ = h;
  }
  void TearDown() override {
    if (IsSkipped() || HasFatalFailure()) return;
    EXPECT_EQ(host_mounts(), mounts_) << "the host's mount table changed";
    EXPECT_EQ(my_children(), children_) << "a process outlived its sandbox";
    char h[256] = {};
    gethostname(h, sizeof h);
    EXPECT_EQ(hostname_, h);
  }
  std::string mounts_, hostname_;
  std::set<pid_t> children_;
};

// Runs `attempt` inside; it returns the errno it got (0 = the call succeeded).
template <typename F>
int errno_inside(F attempt, Spec spec = host_spec()) {
  Result r = run_body(spec, [attempt](int fd) {
    errno = 0;
    int e = attempt();
    write_all(fd, std::to_string(e));
    return 0;
  });
  EXPECT_EQ(r.status, 0) << r.describe();
  return r.data.empty() ? -1 : std::stoi(r.data);
}

int fails(long rc) { return rc == -1 ? errno : 0; }

// Runs `attempt` in a child inside the sandbox; returns the child's wait status.
template <typename F>
int wait_status_inside(F attempt) {
  Result r = run_body(host_spec(), [attempt](int fd) {
    pid_t p = fork();
    if (p == 0) {
      attempt();
      _exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    write_all(fd, std::to_string(st));
    return 0;
  });
  return std::stoi(r.data);
}

TEST_F(Escape, MountIsDenied) {
  EXPECT_EQ(errno_inside([] { return fails(mount("tmpfs", "/mnt", "tmpfs", 0, nullptr)); }), EPERM);
  EXPECT_EQ(
      errno_inside([] { return fails(mount("/", "/mnt", nullptr, MS_BIND | MS_REC, nullptr)); }),
      EPERM);
}

TEST_F(Escape, RemountReadOnlyMountsWritableIsDenied) {
  EXPECT_EQ(errno_inside([] {
              return fails(mount(nullptr, "/proc/sys", nullptr, MS_REMOUNT | MS_BIND, nullptr));
            }),
            EPERM);
}

TEST_F(Escape, UnmountIsDenied) {
  EXPECT_EQ(errno_inside([] { return fails(umount2("/proc/sys", MNT_DETACH)); }), EPERM);
}

TEST_F(Escape, NewMountApiIsDenied) {
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_fsopen, "tmpfs", 0)); }), EPERM);
  EXPECT_EQ(errno_inside(
                [] { return fails(syscall(SYS_open_tree, AT_FDCWD, "/", 1 /*OPEN_TREE_CLONE*/)); }),
            EPERM);
}

TEST_F(Escape, RePivotIsDenied) {
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_pivot_root, ".", ".")); }), EPERM);
}

TEST_F(Escape, NewUserNamespaceIsDenied) {
  EXPECT_EQ(errno_inside([] { return fails(unshare(CLONE_NEWUSER)); }), EPERM);
  EXPECT_EQ(
      errno_inside([] {
        return fails(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0));
      }),
      EPERM);
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_clone3, nullptr, 0)); }), ENOSYS);
}

// The filter is an allow list: calls the kernel has but nobody listed fail as if it had not.
// Outside, this kernel answers them (with an error about their arguments, not ENOSYS).
TEST_F(Escape, SyscallsNobodyListedFailWithEnosys) {
  constexpr long kFutexWaitv = 449, kStatmount = 457, kUstat = 136, kVmsplice = 278;
  for (long nr : {kFutexWaitv, kStatmount}) {
    errno = 0;
    long rc = syscall(nr, 0, 0, 0, 0, 0);
    BOOTSTRAP_SKIP_UNLESS(rc == -1 && errno != ENOSYS,
                          "this kernel lacks syscall " + std::to_string(nr));
    EXPECT_EQ(errno_inside([nr] { return fails(syscall(nr, 0, 0, 0, 0, 0)); }), ENOSYS) << nr;
  }
  for (long nr : {kUstat, kVmsplice})
    EXPECT_EQ(errno_inside([nr] { return fails(syscall(nr, 0, 0, 0, 0)); }), ENOSYS) << nr;
}

TEST_F(Escape, NewMountNamespaceViaCloneIsDenied) {
  EXPECT_EQ(errno_inside([] {
              return fails(syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, nullptr, nullptr, nullptr, 0));
            }),
            EPERM);
}

TEST_F(Escape, SetnsThroughProcIsDenied) {
  // pid 1 is not dumpable: its namespaces are not even openable; our own are, but setns fails.
  EXPECT_NE(errno_inside([] { return fails(open("/proc/1/ns/mnt", O_RDONLY)); }), 0);
  EXPECT_EQ(errno_inside([] {
              int fd = open("/proc/self/ns/mnt", O_RDONLY);
              return fails(setns(fd, 0));
            }),
            EPERM);
}

TEST_F(Escape, KexecIsDenied) {
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_kexec_load, 0, 0, nullptr, 0)); }), EPERM);
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_kexec_file_load, -1, -1, 0, "", 0)); }),
            EPERM);
}

TEST_F(Escape, ModuleLoadAndUnloadAreDenied) {
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_init_module, "garbage", 7, "")); }), EPERM);
  EXPECT_EQ(errno_inside([] {
              int fd = open("/bin/true", O_RDONLY);
              return fails(syscall(SYS_finit_module, fd, "", 0));
            }),
            EPERM);
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_delete_module, "overlay", O_NONBLOCK)); }),
            EPERM);
}

TEST_F(Escape, RebootIsDenied) {
  EXPECT_EQ(errno_inside([] {
              return fails(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                                   LINUX_REBOOT_CMD_CAD_OFF, nullptr));
            }),
            EPERM);
}

TEST_F(Escape, SwaponIsDenied) {
  EXPECT_EQ(errno_inside([] { return fails(swapon("/tmp/swapfile", 0)); }), EPERM);
  EXPECT_EQ(errno_inside([] { return fails(swapoff("/tmp/swapfile")); }), EPERM);
}

TEST_F(Escape, SettingTheClockIsDenied) {
  EXPECT_EQ(errno_inside([] {
              timeval now{};
              gettimeofday(&now, nullptr);
              return fails(settimeofday(&now, nullptr));
            }),
            EPERM);
  EXPECT_EQ(errno_inside([] {
              timespec now{};
              clock_gettime(CLOCK_REALTIME, &now);
              return fails(clock_settime(CLOCK_REALTIME, &now));
            }),
            EPERM);
  EXPECT_EQ(errno_inside([] {
              timex t{};
              t.modes = ADJ_OFFSET;
              return fails(adjtimex(&t));
            }),
            EPERM);
}

TEST_F(Escape, OpenByHandleAtIsDenied) {
  EXPECT_EQ(errno_inside([] {
              char buf[sizeof(file_handle) + 8] = {};
              auto* h = reinterpret_cast<file_handle*>(buf);
              h->handle_bytes = 8;
              h->handle_type = 1;
              return fails(syscall(SYS_open_by_handle_at, AT_FDCWD, h, O_RDONLY));
            }),
            EPERM);
}

TEST_F(Escape, BpfIsDenied) {
  EXPECT_EQ(errno_inside([] {
              bpf_attr attr{};
              attr.map_type = BPF_MAP_TYPE_ARRAY;
              attr.key_size = 4;
              attr.value_size = 4;
              attr.max_entries = 1;
              return fails(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
            }),
            EPERM);
}

TEST_F(Escape, PerfEventOpenIsDenied) {
  EXPECT_EQ(errno_inside([] {
              perf_event_attr attr{};
              attr.size = sizeof attr;
              attr.type = PERF_TYPE_SOFTWARE;
              attr.config = PERF_COUNT_SW_CPU_CLOCK;
              return fails(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
            }),
            EPERM);
}

TEST_F(Escape, KeyringCallsAreDenied) {
  EXPECT_EQ(errno_inside([] {
              return fails(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0));
            }),
            EPERM);
  EXPECT_EQ(errno_inside([] {
              return fails(syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_SESSION_KEYRING));
            }),
            EPERM);
}

TEST_F(Escape, UserfaultfdAndIoUringAreDenied) {
  EXPECT_EQ(errno_inside([] { return fails(syscall(SYS_userfaultfd, 0)); }), EPERM);
  EXPECT_EQ(errno_inside([] {
              char params[120] = {};
              return fails(syscall(SYS_io_uring_setup, 1, params));
            }),
            EPERM);
}

TEST_F(Escape, TiocstiIntoTheCallersTerminalIsDenied) {
  int master = -1, slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  int saved = dup(0);
  dup2(slave, 0);
  Spec spec = host_spec();
  spec.interactive = true;  // the caller's terminal stays the sandbox's stdin
  int tiocsti = errno_inside(
      [] {
        char c = 'x';
        return fails(ioctl(0, TIOCSTI, &c));
      },
      spec);
  int tioclinux = errno_inside(
      [] {
        char c = 6;
        return fails(ioctl(0, TIOCLINUX, &c));
      },
      spec);
  // Upper bits set in the request must not slip past the filter either.
  int masked = errno_inside(
      [] {
        char c = 'x';
        return fails(syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &c));
      },
      spec);
  dup2(saved, 0);
  close(saved);
  EXPECT_EQ(tiocsti, EPERM);
  EXPECT_EQ(tioclinux, EPERM);
  EXPECT_EQ(masked, EPERM);
  // Nothing was injected into the terminal.
  fcntl(slave, F_SETFL, O_NONBLOCK);
  char buf[16];
  EXPECT_EQ(read(slave, buf, sizeof buf), -1);
  close(master);
  close(slave);
}

TEST_F(Escape, BlockDeviceNodesOpenNothing) {
  struct stat root {};
  ASSERT_EQ(stat("/", &root), 0);
  dev_t disk = root.st_dev;
  for (const char* where : {"/tmp/disk", "/root-disk", "/run/disk", "/dev/shm/disk"}) {
    int e = errno_inside([where, disk] {
      if (mknod(where, S_IFBLK | 0600, disk) != 0) return errno;
      char buf[512];
      int fd = open(where, O_RDONLY);
      if (fd < 0) return errno;
      return read(fd, buf, sizeof buf) < 0 ? errno : 0;
    });
    EXPECT_NE(e, 0) << where;
  }
  EXPECT_EQ(errno_inside([disk] { return fails(mknod("/dev/disk", S_IFBLK | 0600, disk)); }),
            EROFS);
  EXPECT_EQ(errno_inside([] { return fails(open("/dev/vda", O_RDONLY)); }), ENOENT);
}

TEST_F(Escape, SysrqTriggerAndProcSysAreReadOnly) {
  std::string hostname_knob = read_text("/proc/sys/kernel/hostname");
  int sysrq = errno_inside([] { return fails(open("/proc/sysrq-trigger", O_WRONLY)); });
  if (fs::exists("/proc/sysrq-trigger")) {
    EXPECT_EQ(sysrq, EROFS);
  } else {
    EXPECT_EQ(sysrq, ENOENT) << "this kernel has no sysrq";
  }
  // Rootless, the knobs belong to the real root, which is not mapped: their mode refuses the
  // open (EACCES) before the read-only mount would.
  int refused = rootless() ? EACCES : EROFS;
  EXPECT_EQ(errno_inside([] { return fails(open("/proc/sys/vm/drop_caches", O_WRONLY)); }),
            refused);
  EXPECT_EQ(errno_inside([] { return fails(open("/proc/sys/kernel/core_pattern", O_WRONLY)); }),
            refused);
  EXPECT_EQ(read_text("/proc/sys/kernel/hostname"), hostname_knob);
}

TEST_F(Escape, SysIsReadOnly) {
  std::string before = read_text("/sys/kernel/mm/transparent_hugepage/enabled");
  EXPECT_EQ(errno_inside([] {
              return fails(open("/sys/kernel/mm/transparent_hugepage/enabled", O_WRONLY));
            }),
            EROFS);
  EXPECT_EQ(errno_inside([] { return fails(open("/sys/power/state", O_WRONLY)); }), EROFS);
  EXPECT_EQ(read_text("/sys/kernel/mm/transparent_hugepage/enabled"), before);
}

TEST_F(Escape, ProcPidRootLeadsNowhereOutside) {
  Secret secret;
  std::string target = secret.path().string();
  Result r = run_body(host_spec(), [target](int fd) {
    std::string reached;
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (access(("/proc/" + name + "/root" + target).c_str(), F_OK) == 0) reached += name + " ";
    }
    if (access(("/proc/1/root/" + target).c_str(), F_OK) == 0) reached += "1";
    write_all(fd, reached);
    return 0;
  });
  EXPECT_EQ(r.data, "");
  EXPECT_TRUE(secret.untouched());
}

TEST_F(Escape, LeakedDescriptorsAreClosed) {
  Secret secret;
  int leak = open(secret.path().parent_path().c_str(), O_RDONLY | O_DIRECTORY);  // no O_CLOEXEC
  int leak_file = open(secret.path().c_str(), O_RDWR);
  std::string name = secret.path().filename();
  int e = errno_inside([name] {
    for (int fd = 3; fd < 1024; ++fd) {
      if (fd == 3) continue;  // the result pipe
      if (openat(fd, name.c_str(), O_WRONLY | O_TRUNC) >= 0) return 0;
      if (write(fd, "pwned", 5) == 5) return 0;
    }
    return EBADF;
  });
  close(leak);
  close(leak_file);
  EXPECT_EQ(e, EBADF);
  EXPECT_TRUE(secret.untouched());
}

TEST_F(Escape, ChrootBreakoutStaysInTheSandbox) {
  Secret secret;
  std::string target = secret.path().string();
  int e = errno_inside([target] {
    mkdir("/tmp/jail", 0755);
    if (chroot("/tmp/jail") != 0) return errno;
    for (int i = 0; i < 64; ++i) chdir("..");
    chroot(".");
    return access(target.c_str(), F_OK) == 0 ? 0 : errno;
  });
  EXPECT_EQ(e, ENOENT);
  EXPECT_TRUE(secret.untouched());
}

TEST_F(Escape, SymlinksPlantedInALayerStayInside) {
  Secret secret;
  std::string target = secret.path().string();
  char tmpl[] = "/var/tmp/bootstrap-layer-XXXXXX";
  fs::path layer = mkdtemp(tmpl);
  fs::create_directories(layer / "etc");
  fs::create_directories(layer / "srv");
  fs::create_symlink(target, layer / "etc/resolv.conf");
  fs::create_symlink("../../../../../../.." + target, layer / "etc/hostname");
  fs::create_symlink("/dev/shm", layer / "srv/cache");  // a bind target through a symlink
  Spec spec = host_spec();
  spec.lowers.insert(spec.lowers.begin(), layer);
  spec.binds = {{"/usr/share/doc", "/srv/cache/docs", true}};
  Result r = run_body(spec, [](int fd) {
    write_all(fd, read_text("/etc/hostname") + read_text("/etc/resolv.conf").substr(0, 0));
    return 0;
  });
  fs::remove_all(layer);
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.data, "bootstrap\n");
  EXPECT_TRUE(secret.untouched());
  EXPECT_FALSE(fs::exists("/dev/shm/docs"));
}

TEST_F(Escape, ASymlinkedMountPointInALayerIsRefused) {
  char tmpl[] = "/var/tmp/bootstrap-layer-XXXXXX";
  fs::path layer = mkdtemp(tmpl);
  fs::create_symlink("/etc", layer / "run");  // would hide /etc under the /run tmpfs
  Spec spec = host_spec();
  spec.lowers.insert(spec.lowers.begin(), layer);
  EXPECT_THROW(Sandbox::start(spec, {"true"}), SystemError);
  fs::remove_all(layer);
  EXPECT_FALSE(fs::exists("/etc/lock"));
}

TEST_F(Escape, ForeignAbiI386SyscallsKillTheProcess) {
  int st = wait_status_inside([] {
    // int 0x80 is the i386 entry; eax=20 is i386 getpid. Its audit arch is not x86_64.
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");
    (void)ret;
  });
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) << "status " << st;
}

TEST_F(Escape, ForeignAbiX32SyscallsFail) {
  int st = wait_status_inside([] {
    long r = syscall(0x40000000L | SYS_getpid);  // __X32_SYSCALL_BIT
    _exit(r == -1 ? 3 : 0);
  });
  // Killed by the filter, or ENOSYS on a kernel built without x32: never executed.
  EXPECT_TRUE((WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) ||
              (WIFEXITED(st) && WEXITSTATUS(st) == 3))
      << st;
}

TEST_F(Escape, ForkBombIsBoundedByThePidsLimit) {
  Spec spec = host_spec();
  spec.pids_limit = 64;
  Result r = run_body(spec, [](int fd) {
    int made = 0;
    for (int i = 0; i < 5000; ++i) {
      pid_t p = fork();
      if (p == 0) {
        pause();
        _exit(0);
      }
      if (p < 0) break;
      ++made;
    }
    write_all(fd, std::to_string(made));
    return 0;  // the reaper's exit takes every child with it
  });
  int made = std::stoi(r.data);
  EXPECT_GT(made, 10);
  EXPECT_LT(made, 400);  // the kernel's floor for pid_max is 301
}

TEST_F(Escape, PtraceOfTheReaperIsDenied) {
  EXPECT_NE(errno_inside([] { return fails(ptrace(PTRACE_ATTACH, 1, nullptr, nullptr)); }), 0);
}

TEST_F(Escape, PersonalityChangesAreDenied) {
  EXPECT_EQ(errno_inside([] { return fails(personality(READ_IMPLIES_EXEC)); }), EPERM);
  EXPECT_EQ(errno_inside([] { return personality(0xffffffff) == -1 ? errno : 0; }), 0);
}

TEST_F(Escape, HostLoopbackIsUnreachable) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(listener, 1);
  int e = errno_inside([addr] {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    return fails(connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr));
  });
  close(listener);
  EXPECT_EQ(e, ECONNREFUSED);
}

TEST_F(Escape, CapabilitiesAreCutAndNoNewPrivsIsSet) {
  Result r =
      run_capture(host_spec(), "grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status");
  // Docker's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
  // NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
  EXPECT_EQ(r.data,
            "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\nSeccomp:\t2\n");
}

TEST_F(Escape, KillingEverythingInsideSparesTheOutside) {
  int e = errno_inside([] {
    if (fork() == 0) {
      pause();
      _exit(0);
    }
    return fails(kill(-1, SIGKILL));
  });
  EXPECT_EQ(e, 0);  // it reached the sandbox's own child only: this test process is still here
}

// The checks' sandboxes of a login check let setuid programs work (sudo). What that changes:
// a user can become root inside through one, and that root is the sandbox's root, no more.
Spec setuid_spec() {
  Spec spec = host_spec();
  spec.setuid_programs = true;
  return spec;
}

// As root inside: a setuid-root copy of `program` in /usr/local/bin (the overlay; /tmp is
// nosuid), then `args` run through it as nobody.
std::string as_nobody_through_setuid_copy(const Spec& spec, const std::string& program,
                                          const std::string& args) {
  std::string name = "/usr/local/bin/setuid-" + fs::path(program).filename().string();
  Result r = run_capture(spec, "cp " + program + " " + name + " && chmod 4755 " + name +
                                   " && setpriv --reuid=65534 --regid=65534 --clear-groups " +
                                   name + " " + args + " 2>&1; echo \"exit $?\"");
  EXPECT_EQ(r.status, 0) << r.describe() << r.data;
  return r.data;
}

TEST_F(Escape, WithSetuidProgramsTheBoundingSetAndFilterStay) {
  Result r = run_capture(setuid_spec(),
                         "grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status");
  EXPECT_EQ(r.data,
            "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t0\nSeccomp:\t2\n");
}

TEST_F(Escape, ASetuidProgramRunByAUserGetsRootButOnlyTheSandboxesRoot) {
  std::string out = as_nobody_through_setuid_copy(
      setuid_spec(), "/usr/bin/grep",
      "-E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status");
  EXPECT_EQ(
      out,
      "Uid:\t65534\t0\t0\t0\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t0\n"
      "Seccomp:\t2\nexit 0\n");
}

TEST_F(Escape, ASetuidProgramRunByAUserStillCannotMakeNamespacesOrMount) {
  std::string unshare =
      as_nobody_through_setuid_copy(setuid_spec(), "/usr/bin/unshare", "--mount true");
  EXPECT_NE(unshare.find("Operation not permitted"), std::string::npos) << unshare;
  EXPECT_EQ(unshare.find("exit 0"), std::string::npos) << unshare;
  std::string mount =
      as_nobody_through_setuid_copy(setuid_spec(), "/usr/bin/mount", "-t tmpfs none /mnt");
  EXPECT_EQ(mount.find("exit 0"), std::string::npos) << mount;
}

TEST_F(Escape, WithoutSetuidProgramsTheSetuidBitGivesNothing) {
  std::string out = as_nobody_through_setuid_copy(host_spec(), "/usr/bin/grep",
                                                  "-E '^(Uid|NoNewPrivs):' /proc/self/status");
  EXPECT_EQ(out, "Uid:\t65534\t65534\t65534\t65534\nNoNewPrivs:\t1\nexit 0\n");
}

// Rootless, the namespace's root has capabilities over the user's own files and the user's
// subordinate ids only: files of root and of other users, bound in writable, stay as they are.
TEST_F(Escape, RootlessTheSandboxesRootCannotChangeAnyoneElsesFiles) {
  if (!rootless()) GTEST_SKIP() << "rootless only: the 'rootless' test runs this suite as a user";
  const char* foreign = std::getenv("BOOTSTRAP_ROOTLESS_FOREIGN_DIR");
  BOOTSTRAP_SKIP_UNLESS(foreign != nullptr,
                        "BOOTSTRAP_ROOTLESS_FOREIGN_DIR: a folder of root's holding files of root "
                        "and of nobody (tests/rootless/rootless_test.sh makes it)");
  char tmpl[] = "/tmp/bootstrap-own-XXXXXX";
  fs::path own = mkdtemp(tmpl);
  std::ofstream(own / "mine") << "mine";
  Spec spec = host_spec();
  spec.binds = {{foreign, "/foreign", false}, {own, "/own", false}};
  Result r = run_body(spec, [](int fd) {
    auto e = [](long rc) { return std::to_string(rc == -1 ? errno : 0) + " "; };
    std::string out;
    out += e(open("/foreign/root-file", O_WRONLY | O_APPEND));
    out += e(open("/foreign/nobody-file", O_WRONLY | O_APPEND));
    out += e(unlink("/foreign/root-file"));
    out += e(rename("/foreign/nobody-file", "/foreign/renamed"));
    out += e(chmod("/foreign/root-file", 0666));
    out += e(chown("/foreign/nobody-file", 0, 0));
    out += e(mkdir("/foreign/nobody-dir/new", 0755));
    out += e(setxattr("/foreign/root-file", "user.x", "1", 1, 0));
    int mine = open("/own/mine", O_WRONLY | O_APPEND);
    out += e(mine >= 0 ? write(mine, "+", 1) : -1);
    write_all(fd, out);
    return 0;
  });
  std::string mine = read_text(own / "mine");
  fs::remove_all(own);
  EXPECT_EQ(r.status, 0) << r.describe();
  std::string denied = std::to_string(EACCES) + " ";
  std::string not_permitted = std::to_string(EPERM) + " ";
  EXPECT_EQ(r.data, denied + denied + denied + denied + not_permitted + not_permitted + denied +
                        denied + "0 ")
      << "errno of: write root's, write nobody's, unlink, rename, chmod, chown, mkdir in "
         "nobody's folder, setxattr; then write the user's own file";
  EXPECT_EQ(read_text(fs::path(foreign) / "root-file"), "root\n");
  EXPECT_EQ(read_text(fs::path(foreign) / "nobody-file"), "nobody\n");
  EXPECT_FALSE(fs::exists(fs::path(foreign) / "nobody-dir/new"));
  EXPECT_EQ(mine, "mine+") << "the user's own file is theirs to change";
}

}  // namespace
