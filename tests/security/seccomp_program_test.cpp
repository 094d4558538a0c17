// White box: the seccomp program compiled into the sandboxes library at build time is what
// libseccomp makes of the rules on this machine, and it is one program starting with the
// architecture check (a foreign ABI must never reach a syscall-number comparison).
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstring>

#include "seccomp_rules.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

TEST(SeccompProgram, BuiltInProgramIsWhatLibseccompMakesOfTheRules) {
  std::vector<sock_filter> fresh = compile_seccomp_program();
  std::span<const sock_filter> built_in = seccomp_program();
  ASSERT_EQ(built_in.size(), fresh.size());
  EXPECT_EQ(std::memcmp(built_in.data(), fresh.data(), fresh.size() * sizeof(sock_filter)), 0);
}

TEST(SeccompProgram, StartsWithTheArchitectureCheck) {
  std::span<const sock_filter> p = seccomp_program();
  ASSERT_GE(p.size(), 2u);
  EXPECT_EQ(p[0].code, BPF_LD | BPF_W | BPF_ABS);
  EXPECT_EQ(p[0].k, offsetof(seccomp_data, arch));
  EXPECT_EQ(p[1].code, BPF_JMP | BPF_JEQ | BPF_K);
  EXPECT_EQ(p[1].k, AUDIT_ARCH_X86_64);
  // libseccomp's part starts with its own architecture check; before it, the personality part
  // never allows anything, it only jumps on.
  std::size_t rest = 1;
  while (rest < p.size() &&
         !(p[rest].code == (BPF_LD | BPF_W | BPF_ABS) && p[rest].k == offsetof(seccomp_data, arch)))
    ++rest;
  ASSERT_LT(rest, p.size());
  for (std::size_t i = 0; i < rest; ++i) {
    EXPECT_FALSE(p[i].code == (BPF_RET | BPF_K) && p[i].k == SECCOMP_RET_ALLOW)
        << "instruction " << i;
  }
}

}  // namespace
}  // namespace bootstrap::sandbox
