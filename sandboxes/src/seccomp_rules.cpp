// The seccomp filter's rules, compiled with libseccomp into one BPF program. This runs at build
// time (tools/seccomp_bpf.cpp writes the program into the sandboxes library, so starting a
// sandbox compiles nothing) and in a test that checks the built-in program is still what
// libseccomp makes of these rules.
//
// It is an allow list (seccomp_allow_list.cpp): a syscall it does not name fails with ENOSYS,
// which is what a program sees on a kernel too old to have it, so it falls back (glibc does so
// for clone3 and fchmodat2). The dangerous ones are also named here, and fail with EPERM: they
// act on the whole machine, or open a way out of the namespaces. Three calls are allowed only
// with some arguments (personality, clone, ioctl), in a small hand-written filter ahead of
// libseccomp's, which compares one argument per rule. Syscalls of a foreign ABI (i386 via
// int 0x80, x32) kill the process.
#include "seccomp_rules.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "bootstrap/unique_fd.hpp"
#include "bpf_program.hpp"

namespace bootstrap::sandbox {
namespace {

// Denied by name, with EPERM (a permission a sandbox lacks, rather than a call the kernel lacks):
// they act on the whole machine, or open a way out of the namespaces.
constexpr const char* kDenied[] = {"kexec_load",
                                   "kexec_file_load",
                                   "init_module",
                                   "finit_module",
                                   "delete_module",
                                   "reboot",
                                   "swapon",
                                   "swapoff",
                                   "settimeofday",
                                   "clock_settime",
                                   "clock_adjtime",
                                   "adjtimex",
                                   "stime",
                                   "add_key",
                                   "request_key",
                                   "keyctl",
                                   "bpf",
                                   "perf_event_open",
                                   "userfaultfd",
                                   "open_by_handle_at",
                                   "mount",
                                   "umount",
                                   "umount2",
                                   "fsopen",
                                   "fsmount",
                                   "fsconfig",
                                   "move_mount",
                                   "open_tree",
                                   "fspick",
                                   "mount_setattr",
                                   "pivot_root",
                                   "unshare",
                                   "setns",
                                   "acct",
                                   "quotactl",
                                   "lookup_dcookie",
                                   "nfsservctl",
                                   "uselib",
                                   "vm86",
                                   "vm86old",
                                   "io_uring_setup",
                                   "io_uring_enter",
                                   "io_uring_register",
                                   "iopl",
                                   "ioperm",
                                   "syslog",
                                   "fanotify_init",
                                   "sethostname",
                                   "setdomainname",
                                   "quotactl_fd"};

constexpr std::uint32_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                          CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                          CLONE_NEWCGROUP;

// personality(2) values a normal program uses (Docker's list); anything else is refused.
constexpr std::uint32_t kPersonalities[] = {0x0, 0x0008, 0x20000, 0x20008, 0xffffffff};

// ioctl requests that reach past the sandbox: typing into the terminal it was started from, and
// the Linux console's own requests. The kernel compares the request as 32 bits.
constexpr std::uint32_t kDeniedIoctls[] = {TIOCSTI, TIOCLINUX};

constexpr std::uint32_t arg_low(int i) {
  return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * i);
}
constexpr std::uint32_t arg_high(int i) { return arg_low(i) + 4; }

// The argument checks, ahead of libseccomp's program: a denied argument returns EPERM here,
// anything else jumps on to libseccomp's part (which allows these three by number).
std::vector<sock_filter> argument_filter() {
  BpfProgram p;
  auto rest = p.label(), deny = p.label(), personality = p.label(), clone = p.label(),
       ioctl = p.label();
  p.load_word(offsetof(seccomp_data, arch));
  p.jump_unless(BPF_JEQ, AUDIT_ARCH_X86_64, rest);  // other ABIs: libseccomp kills them
  p.load_word(offsetof(seccomp_data, nr));
  p.jump_if(BPF_JEQ, __NR_personality, personality);
  p.jump_if(BPF_JEQ, __NR_clone, clone);
  p.jump_if(BPF_JEQ, __NR_ioctl, ioctl);
  p.jump(rest);

  p.bind(personality);
  p.load_word(arg_high(0));
  p.jump_unless(BPF_JEQ, 0, deny);
  p.load_word(arg_low(0));
  for (std::uint32_t value : kPersonalities) p.jump_if(BPF_JEQ, value, rest);
  p.jump(deny);

  // New namespaces (clone's flags are 32 bits wide; CLONE_NEWTIME exists only for clone3 and
  // unshare, which are not allowed at all).
  p.bind(clone);
  p.load_word(arg_low(0));
  p.jump_if(BPF_JSET, kNamespaceFlags, deny, rest);

  p.bind(ioctl);
  p.load_word(arg_low(1));
  for (std::uint32_t request : kDeniedIoctls) p.jump_if(BPF_JEQ, request, deny);
  p.jump(rest);

  p.bind(deny);
  p.ret(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
  p.bind(rest);
  return p.finish();
}

struct Ctx {
  scmp_filter_ctx ctx;
  ~Ctx() { seccomp_release(ctx); }
};

void check(int rc, const std::string& what) {
  if (rc < 0) throw std::system_error(-rc, std::generic_category(), "libseccomp " + what);
}

// A rule for a syscall by name; one this architecture does not have is left out.
void add_rule(scmp_filter_ctx ctx, std::uint32_t action, const char* name) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return;
  int rc = seccomp_rule_add(ctx, action, nr, 0);
  if (rc == -EDOM || rc == -EINVAL) return;
  check(rc, std::string("rule ") + name);
}

std::vector<sock_filter> compile() {
  Ctx c{seccomp_init(SCMP_ACT_ERRNO(ENOSYS))};
  if (c.ctx == nullptr) throw std::runtime_error("seccomp_init() failed");
  check(seccomp_attr_set(c.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "attr BADARCH");
  check(seccomp_attr_set(c.ctx, SCMP_FLTATR_CTL_NNP, 0), "attr NNP");  // set by caps step
  // A binary tree of syscall numbers instead of a chain: the kernel emulates the filter for every
  // syscall number when it is loaded (to cache the constant answers), and that takes a third
  // less time (bench/README.md).
  check(seccomp_attr_set(c.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "attr OPTIMIZE");

  std::set<std::string> denied(std::begin(kDenied), std::end(kDenied));
  for (const char* name : allowed_syscalls()) {
    if (denied.count(name) != 0)
      throw std::logic_error(std::string("seccomp: ") + name + " is both allowed and denied");
    add_rule(c.ctx, SCMP_ACT_ALLOW, name);
  }
  for (const char* name : kDenied) add_rule(c.ctx, SCMP_ACT_ERRNO(EPERM), name);
  int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "memfd_create(\"seccomp-bpf\")");
  UniqueFd mem(fd);
  check(seccomp_export_bpf(c.ctx, mem.get()), "seccomp_export_bpf");
  off_t size = lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0)
    throw std::runtime_error("seccomp: bad BPF export");
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(mem.get(), program.data(), static_cast<std::size_t>(size), 0) != size)
    throw std::system_error(errno, std::generic_category(), "pread(seccomp-bpf)");
  return program;
}

}  // namespace

std::vector<sock_filter> compile_seccomp_program() {
  std::vector<sock_filter> program = argument_filter();
  std::vector<sock_filter> rest = compile();
  program.insert(program.end(), rest.begin(), rest.end());
  return program;
}

}  // namespace bootstrap::sandbox
