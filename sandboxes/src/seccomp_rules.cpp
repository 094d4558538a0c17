// The seccomp filter's rules, compiled with libseccomp into one BPF program. This runs at build
// time (tools/seccomp_bpf.cpp writes the program into the sandboxes library, so starting a
// sandbox compiles nothing) and in a test that checks the built-in program is still what
// libseccomp makes of these rules. Denied calls fail with EPERM (clone3 with ENOSYS, so glibc
// falls back to clone, whose flags we can inspect); syscalls of a foreign ABI (i386 via
// int 0x80, x32) kill the process.
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "bootstrap/unique_fd.hpp"
#include "seccomp_rules.hpp"

namespace bootstrap::sandbox {
namespace {

// Denied outright: they act on the whole machine, or open a way out of the namespaces.
constexpr const char* kDenied[] = {
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
    "add_key", "request_key", "keyctl", "bpf", "perf_event_open", "userfaultfd",
    "open_by_handle_at", "mount", "umount", "umount2", "fsopen", "fsmount", "fsconfig",
    "move_mount", "open_tree", "fspick", "mount_setattr", "pivot_root", "unshare", "setns",
    "acct", "quotactl", "lookup_dcookie", "nfsservctl", "uselib", "vm86", "vm86old",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "iopl", "ioperm", "syslog",
    "fanotify_init"};

constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                                             CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};

// personality(2) values a normal program uses (Docker's list); anything else is refused.
// libseccomp cannot say "not one of these" (one comparison per argument), so this part is a
// small hand-written filter loaded before libseccomp's.
constexpr std::uint32_t kPersonalities[] = {0x0, 0x0008, 0x20000, 0x20008, 0xffffffff};

std::vector<sock_filter> personality_filter() {
  constexpr std::uint32_t kAllow = SECCOMP_RET_ALLOW;
  constexpr std::uint32_t kDeny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  constexpr auto n = static_cast<unsigned char>(std::size(kPersonalities));
  std::vector<sock_filter> f = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, kAllow),  // other ABIs: libseccomp's filter kills them
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, kAllow),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0]) + 4),  // high word
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, kDeny),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
  };
  for (unsigned char i = 0; i < n; ++i) {
    // Jump to the final "allow" (n - i instructions ahead) on a match.
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kPersonalities[i], static_cast<unsigned char>(n - i), 0));
  }
  f.push_back(BPF_STMT(BPF_RET | BPF_K, kDeny));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, kAllow));
  return f;
}

struct Ctx {
  scmp_filter_ctx ctx;
  ~Ctx() { seccomp_release(ctx); }
};

void check(int rc, const std::string& what) {
  if (rc < 0) throw std::system_error(-rc, std::generic_category(), "libseccomp " + what);
}

std::vector<sock_filter> compile() {
  Ctx c{seccomp_init(SCMP_ACT_ALLOW)};
  if (c.ctx == nullptr) throw std::runtime_error("seccomp_init() failed");
  check(seccomp_attr_set(c.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "attr BADARCH");
  check(seccomp_attr_set(c.ctx, SCMP_FLTATR_CTL_NNP, 0), "attr NNP");  // set by caps step
  // A binary tree of syscall numbers instead of a chain: the kernel emulates the filter for every
  // syscall number when it is loaded (to cache the constant answers), and that takes a third
  // less time (bench/README.md).
  check(seccomp_attr_set(c.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "attr OPTIMIZE");

  const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;
    int rc = seccomp_rule_add(c.ctx, eperm, nr, 0);
    if (rc == -EDOM || rc == -EINVAL) continue;  // not a syscall on this architecture
    check(rc, std::string("rule ") + name);
  }
  for (unsigned long flag : kNamespaceFlags) {
    check(seccomp_rule_add(c.ctx, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)),
          "rule clone");
  }
  check(seccomp_rule_add(c.ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "rule clone3");
  for (unsigned long request : {static_cast<unsigned long>(TIOCSTI), static_cast<unsigned long>(TIOCLINUX)}) {
    check(seccomp_rule_add(c.ctx, eperm, SCMP_SYS(ioctl), 1,
                           SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, request)),
          "rule ioctl");
  }
  int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "memfd_create(\"seccomp-bpf\")");
  UniqueFd mem(fd);
  check(seccomp_export_bpf(c.ctx, mem.get()), "seccomp_export_bpf");
  off_t size = lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) throw std::runtime_error("seccomp: bad BPF export");
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(mem.get(), program.data(), static_cast<std::size_t>(size), 0) != size)
    throw std::system_error(errno, std::generic_category(), "pread(seccomp-bpf)");
  return program;
}

// The personality part first: its "allow" means "on to the rest", so each becomes a jump past
// its end, where libseccomp's program starts (with its own architecture check).
std::vector<sock_filter> join(std::vector<sock_filter> first, const std::vector<sock_filter>& rest) {
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (first[i].code == (BPF_RET | BPF_K) && first[i].k == SECCOMP_RET_ALLOW)
      first[i] = BPF_STMT(BPF_JMP | BPF_JA, static_cast<std::uint32_t>(first.size() - i - 1));
  }
  first.insert(first.end(), rest.begin(), rest.end());
  return first;
}

}  // namespace

std::vector<sock_filter> compile_seccomp_program() { return join(personality_filter(), compile()); }

}  // namespace bootstrap::sandbox
