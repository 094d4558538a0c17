#include "bootstrap/system_error.hpp"

#include <cstring>

namespace bootstrap {

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  std::string text = name != nullptr ? name : ("errno " + std::to_string(err));
  return text + " (" + strerror(err) + ")";
}

SystemError::SystemError(const std::string& call, int err)
    : std::runtime_error(call + ": " + errno_text(err)), errno_(err) {}

}  // namespace bootstrap
