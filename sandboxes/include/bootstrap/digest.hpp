// Content digests: XXH3-128, written "xxh3-128:<32 hex digits>" so the algorithm travels with
// the value. The hex form is xxHash's canonical one, the same `xxhsum -H2` prints.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace bootstrap {

inline constexpr std::string_view kDigestAlgorithm = "xxh3-128";

struct Digest {
  std::array<std::uint8_t, 16> bytes{};  // canonical (big-endian) form

  std::string hex() const;   // 32 lowercase hex digits
  std::string text() const;  // "xxh3-128:<hex>"
  friend bool operator==(const Digest&, const Digest&) = default;
};

Digest digest_bytes(const void* data, std::size_t size);
Digest digest_bytes(std::string_view data);

// Hashes everything readable from `fd` from offset 0 to end of file (pread in 64 KiB chunks).
// Throws SystemError when a read fails.
Digest digest_fd(int fd);
// Hashes the first `size` bytes of `fd` (the size fstat reported), or fewer if the file ends
// earlier; saves the read that would only find the end of the file.
Digest digest_fd(int fd, std::uint64_t size);

// Streaming form: update() any number of times, then finish() (which can be called again).
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Length-prefixed, so that ("ab","c") and ("a","bc") hash differently.
  void update_field(std::string_view data);
  void update_u64(std::uint64_t value);
  // Everything readable from `fd` from offset 0 to end of file, 64 KiB at a time (SystemError
  // when a read fails).
  void update_fd(int fd);
  Digest finish() const;

 private:
  struct State;  // xxHash's streaming state (xxhash.h stays out of our headers)
  struct Free {
    void operator()(State* s) const;
  };
  std::unique_ptr<State, Free> state_;
};

}  // namespace bootstrap
