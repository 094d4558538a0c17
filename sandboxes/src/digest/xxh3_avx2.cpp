// The AVX2 XXH3 kernel: this file alone is compiled with -mavx2 (see sources.cmake) and is only
// called after best_kernel() saw AVX2 on the CPU. It uses nothing from the C++ library (xxHash
// is all static here), so no inline function compiled for AVX2 can be merged with, and replace,
// the copy that code running on other CPUs calls.
#include "xxh3_kernel.hpp"

#if defined(BOOTSTRAP_XXH3_AVX2)
#if !defined(__AVX2__)
#error "xxh3_avx2.cpp must be compiled with -mavx2"
#endif

#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <xxhash.h>

namespace bootstrap::xxh3 {
namespace {

#include "xxh3_kernel_functions.inc"

// Nothing in a reset depends on the vector width; the generic kernel's is as good.
void reset(void* state) { generic_kernel().reset(state); }

constexpr Kernel kAvx2{"avx2", hash, reset, update, digest};

}  // namespace

const Kernel& avx2_kernel() { return kAvx2; }

}  // namespace bootstrap::xxh3
#endif
