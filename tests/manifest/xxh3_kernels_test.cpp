// The XXH3 kernels compiled for different instruction sets compute the same function: every
// length around the algorithm's internal boundaries, one-shot and streamed in odd pieces.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "bootstrap/digest.hpp"
#include "digest/xxh3_kernel.hpp"  // white box: sandboxes/src

namespace bootstrap {
namespace {

using xxh3::Hash128;
using xxh3::Kernel;

Hash128 streamed(const Kernel& k, const std::string& data, std::size_t piece) {
  alignas(xxh3::kStateAlign) unsigned char state[xxh3::kStateSize];
  k.reset(state);
  for (std::size_t at = 0; at < data.size(); at += piece)
    k.update(state, data.data() + at, std::min(piece, data.size() - at));
  return k.digest(state);
}

bool same(Hash128 a, Hash128 b) { return a.low64 == b.low64 && a.high64 == b.high64; }

std::vector<std::size_t> lengths() {
  std::vector<std::size_t> out;
  for (std::size_t n = 0; n <= 300; ++n) out.push_back(n);  // 0-16, 17-128, 129-240, 241+
  for (std::size_t n :
       {1023u, 1024u, 1025u, 4095u, 4096u, 4097u, 65536u, 65537u, 1u << 20, (1u << 20) + 13})
    out.push_back(n);
  return out;
}

std::string random_bytes(std::size_t n) {
  std::mt19937_64 rng(n * 7919 + 1);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Xxh3Kernels, GenericMatchesTheKnownDigestOfNothing) {
  Hash128 h = xxh3::generic_kernel().hash(nullptr, 0);
  // XXH3-128 of the empty input, as `xxhsum -H2 /dev/null` prints it.
  EXPECT_EQ(h.high64, 0x99aa06d3014798d8ULL);
  EXPECT_EQ(h.low64, 0x6001c324468d497fULL);
  EXPECT_EQ(digest_bytes("", 0).hex(), "99aa06d3014798d86001c324468d497f");
}

TEST(Xxh3Kernels, StreamingEqualsOneShot) {
  const Kernel& k = xxh3::best_kernel();
  for (std::size_t n : lengths()) {
    std::string data = random_bytes(n);
    Hash128 one = k.hash(data.data(), data.size());
    for (std::size_t piece : {1u, 7u, 64u, 255u, 4096u}) {
      if (n > 70000 && piece < 64) continue;  // slow, and nothing new
      EXPECT_TRUE(same(streamed(k, data, piece), one))
          << k.name << " length " << n << " piece " << piece;
    }
  }
}

TEST(Xxh3Kernels, TheAvx2KernelComputesWhatTheGenericOneDoes) {
#if !defined(BOOTSTRAP_XXH3_AVX2)
  GTEST_SKIP() << "not an x86-64 build: there is only the generic kernel";
#else
  if (std::string(xxh3::best_kernel().name) != "avx2")
    GTEST_SKIP() << "this CPU has no AVX2: only the generic kernel runs";
  const Kernel& g = xxh3::generic_kernel();
  const Kernel& v = xxh3::avx2_kernel();
  for (std::size_t n : lengths()) {
    std::string data = random_bytes(n);
    EXPECT_TRUE(same(v.hash(data.data(), data.size()), g.hash(data.data(), data.size())))
        << "length " << n;
    EXPECT_TRUE(same(streamed(v, data, 4093), streamed(g, data, 4093))) << "streamed, length " << n;
  }
#endif
}

}  // namespace
}  // namespace bootstrap
