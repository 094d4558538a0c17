// The generic XXH3 kernel (whatever the compiler targets by default) and the choice of kernel.
#include "xxh3_kernel.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <new>

#if defined(BOOTSTRAP_XXH3_AVX2)
#include <cpuid.h>
#endif

namespace bootstrap::xxh3 {
namespace {

#include "xxh3_kernel_functions.inc"

void reset(void* state) { XXH3_128bits_reset(new (state) XXH3_state_t); }

constexpr Kernel kGeneric{"generic", hash, reset, update, digest};

#if defined(BOOTSTRAP_XXH3_AVX2)
// AVX2 usable: the CPU has it (CPUID 7.0 EBX bit 5) and the OS saves the YMM registers
// (OSXSAVE, and XCR0 bits 1 and 2). Asked here, on first use, and not through
// __builtin_cpu_supports: that links libgcc's CPU probe as a constructor, which would run
// a dozen CPUID instructions (each a VM exit on a virtual machine) at every start of bootstrap.
bool cpu_has_avx2() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0 || (c & bit_OSXSAVE) == 0) return false;
  unsigned lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0x6) != 0x6) return false;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return (b & bit_AVX2) != 0;
}
#endif

const Kernel& choose() {
#if defined(BOOTSTRAP_XXH3_AVX2)
  if (cpu_has_avx2()) return avx2_kernel();
#endif
  return kGeneric;
}

}  // namespace

const Kernel& generic_kernel() { return kGeneric; }

const Kernel& best_kernel() {
  static const Kernel& best = choose();
  return best;
}

}  // namespace bootstrap::xxh3
