// The generic XXH3 kernel (whatever the compiler targets by default) and the choice of kernel.
#include "xxh3_kernel.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <new>

namespace bootstrap::xxh3 {
namespace {

static_assert(sizeof(XXH3_state_t) <= kStateSize && alignof(XXH3_state_t) <= kStateAlign);

Hash128 hash(const void* data, std::size_t size) {
  XXH128_hash_t h = XXH3_128bits(data, size);
  return {h.low64, h.high64};
}

void reset(void* state) { XXH3_128bits_reset(new (state) XXH3_state_t); }

void update(void* state, const void* data, std::size_t size) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state), data, size);
}

Hash128 digest(const void* state) {
  XXH128_hash_t h = XXH3_128bits_digest(static_cast<const XXH3_state_t*>(state));
  return {h.low64, h.high64};
}

constexpr Kernel kGeneric{"generic", hash, reset, update, digest};

const Kernel& choose() {
#if defined(BOOTSTRAP_XXH3_AVX2)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return avx2_kernel();  // checks the OS saves YMM too
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
