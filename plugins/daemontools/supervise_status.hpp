// supervise's status file (supervise/status): what svstat reads.
//   daemontools 0.76: 18 bytes = TAI64N (12) + pid (4, little-endian) + paused (1) + want (1)
//   runit's runsv writes 20 bytes in the same layout for the first 18.
#pragma once

#include <optional>
#include <string_view>

namespace daemontools {

struct SuperviseStatus {
  unsigned pid = 0;  // 0: the service is not running
  bool paused = false;
  char want = 0;  // 'u' up, 'd' down
};

std::optional<SuperviseStatus> parse_supervise_status(std::string_view bytes);

}  // namespace daemontools
