// Loading the seccomp filter, last of the hardening steps: one seccomp(2) call with the program
// the build compiled from seccomp_rules.cpp (seccomp_program.inc), so a sandbox's start
// compiles nothing.
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <iterator>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

constexpr sock_filter kProgram[] = {
#include "seccomp_program.inc"
};

}  // namespace

std::span<const sock_filter> seccomp_program() { return kProgram; }

void load_seccomp_in_child() {
  sock_fprog prog{static_cast<unsigned short>(std::size(kProgram)),
                  const_cast<sock_filter*>(kProgram)};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    throw SystemError("seccomp(SECCOMP_SET_MODE_FILTER)", errno);
}

}  // namespace bootstrap::sandbox
