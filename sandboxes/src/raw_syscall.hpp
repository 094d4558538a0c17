// System calls that leave errno alone, for the sandbox's pid 1 once it shares the caller's memory
// with a caller that runs again (sandbox.cpp): errno lives in thread-local storage, and pid 1,
// cloned with CLONE_VM but without a thread of its own, has the caller's. The C library's
// wrappers would write a failure (ECHILD, ESRCH) into the caller's errno at any moment.
#pragma once

#include <unistd.h>

#include <cerrno>

namespace bootstrap::sandbox {

#if defined(__x86_64__) || defined(__aarch64__)
inline constexpr bool kErrnoFreeSyscalls = true;

// Returns the kernel's result: >= 0, or -errno.
inline long raw_syscall(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
#if defined(__x86_64__)
  long result;
  register long r10 asm("r10") = d;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
               : "rcx", "r11", "memory");
  return result;
#else
  register long x8 asm("x8") = number;
  register long x0 asm("x0") = a;
  register long x1 asm("x1") = b;
  register long x2 asm("x2") = c;
  register long x3 asm("x3") = d;
  asm volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
#endif
}
#else
// Elsewhere pid 1 gets memory of its own (a fork), where the C library's wrapper is safe.
inline constexpr bool kErrnoFreeSyscalls = false;
inline long raw_syscall(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
  long result = syscall(number, a, b, c, d);
  return result < 0 ? -errno : result;
}
#endif

// Whether a child may run in the caller's memory while the caller runs (pid 1 of a command, the
// maker of a private network): only with errno-free system calls, and not under
// AddressSanitizer, which keeps the running stack's bounds and its own bookkeeping in the
// thread-local state such a child shares (there the children are forks).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kChildrenMayShareMemory = false;
#else
inline constexpr bool kChildrenMayShareMemory = kErrnoFreeSyscalls;
#endif

}  // namespace bootstrap::sandbox
