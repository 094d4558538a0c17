// The status pipe: small fixed-header records, each written with one write(2) (< PIPE_BUF, so
// records from pid 1 and the main process never interleave).
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "raw_syscall.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

struct Header {
  char type;
  std::int32_t value;
  std::uint32_t length;
};

bool read_full(int fd, void* buf, std::size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

void send_record(int fd, char type, int value, std::string_view text) {
  char buf[4000];
  Header h{type, value,
           static_cast<std::uint32_t>(std::min(text.size(), sizeof buf - sizeof(Header)))};
  std::memcpy(buf, &h, sizeof h);
  if (h.length > 0) std::memcpy(buf + sizeof h, text.data(), h.length);  // data() may be null
  while (raw_syscall(SYS_write, fd, reinterpret_cast<long>(buf),
                     static_cast<long>(sizeof h + h.length)) == -EINTR) {
  }
}

bool read_record(int fd, Record& out) {
  Header h{};
  if (!read_full(fd, &h, sizeof h)) return false;
  out.type = h.type;
  out.value = h.value;
  out.text.assign(h.length, '\0');
  return h.length == 0 || read_full(fd, out.text.data(), h.length);
}

}  // namespace bootstrap::sandbox
