#include "bootstrap/digest.hpp"

#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <new>
#include <vector>

#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace {

Digest from_hash(XXH128_hash_t h) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, h);
  Digest d;
  static_assert(sizeof(canonical.digest) == sizeof(d.bytes));
  for (std::size_t i = 0; i < d.bytes.size(); ++i) d.bytes[i] = canonical.digest[i];
  return d;
}

constexpr std::size_t kChunk = std::size_t{1} << 20;

// One read buffer per thread: hashing threads reuse it for every file.
char* thread_buffer() {
  thread_local std::vector<char> buffer(kChunk);
  return buffer.data();
}

}  // namespace

std::string Digest::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

std::string Digest::text() const {
  std::string out(kDigestAlgorithm);
  out += ':';
  out += hex();
  return out;
}

Digest digest_bytes(const void* data, std::size_t size) {
  return from_hash(XXH3_128bits(data, size));
}

Digest digest_bytes(std::string_view data) { return digest_bytes(data.data(), data.size()); }

Digest digest_fd(int fd) {
  char* buf = thread_buffer();
  off_t offset = 0;
  std::size_t have = 0;
  // Small files (most of a rootfs) are hashed in one shot, without a streaming state.
  while (have < kChunk) {
    ssize_t n = ::pread(fd, buf + have, kChunk - have, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SystemError("pread(fd " + std::to_string(fd) + ")", errno);
    if (n == 0) return digest_bytes(buf, have);
    have += static_cast<std::size_t>(n);
    offset += n;
  }
  Hasher hasher;
  hasher.update(buf, have);
  for (;;) {
    ssize_t n = ::pread(fd, buf, kChunk, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SystemError("pread(fd " + std::to_string(fd) + ")", errno);
    if (n == 0) break;
    hasher.update(buf, static_cast<std::size_t>(n));
    offset += n;
  }
  return hasher.finish();
}

void Hasher::Free::operator()(XXH3_state_s* s) const { XXH3_freeState(s); }

Hasher::Hasher() : state_(XXH3_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH3_128bits_reset(state_.get());
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(const void* data, std::size_t size) {
  XXH3_128bits_update(state_.get(), data, size);
}

void Hasher::update_field(std::string_view data) {
  update_u64(data.size());
  update(data);
}

void Hasher::update_u64(std::uint64_t value) {
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(value >> (8 * i));
  update(le, sizeof le);
}

Digest Hasher::finish() const { return from_hash(XXH3_128bits_digest(state_.get())); }

}  // namespace bootstrap
