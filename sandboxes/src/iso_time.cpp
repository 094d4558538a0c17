#include "bootstrap/iso_time.hpp"

#include <ctime>

namespace bootstrap {

std::string iso_now() {
  std::time_t t = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace bootstrap
