#include "supervise_status.hpp"

namespace daemontools {

std::optional<SuperviseStatus> parse_supervise_status(std::string_view b) {
  if (b.size() != 18 && b.size() != 20) return std::nullopt;
  auto byte = [&](std::size_t i) {
    return static_cast<unsigned>(static_cast<unsigned char>(b[i]));
  };
  SuperviseStatus s;
  s.pid = byte(12) | byte(13) << 8 | byte(14) << 16 | byte(15) << 24;
  s.paused = byte(16) != 0;
  s.want = b[17];
  return s;
}

}  // namespace daemontools
