// XXH3-128 compiled for more than one instruction set (xxhash.h inlined into our own
// translation units): the generic build (SSE2 on x86-64) and, on x86-64, an AVX2 build.
// best_kernel() picks the fastest one this CPU runs, once. Every kernel computes the same
// function; the vector width changes only the speed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bootstrap::xxh3 {

// Room for xxHash's XXH3_state_t, whose layout does not depend on the kernel (each kernel
// checks that it fits).
inline constexpr std::size_t kStateSize = 576;
inline constexpr std::size_t kStateAlign = 64;

struct Hash128 {
  std::uint64_t low64;
  std::uint64_t high64;
};

struct Kernel {
  const char* name;  // "generic", "avx2"
  Hash128 (*hash)(const void* data, std::size_t size);
  // `state`: kStateSize bytes aligned to kStateAlign; reset() starts a 128-bit hash in it.
  void (*reset)(void* state);
  void (*update)(void* state, const void* data, std::size_t size);
  Hash128 (*digest)(const void* state);
};

const Kernel& generic_kernel();
#if defined(BOOTSTRAP_XXH3_AVX2)
const Kernel& avx2_kernel();  // only for CPUs (and kernels) with AVX2
#endif
const Kernel& best_kernel();

}  // namespace bootstrap::xxh3
