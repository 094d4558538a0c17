#include "bootstrap/system_error.hpp"

#include <cstring>

namespace bootstrap {

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  std::string text = name != nullptr ? name : ("errno " + std::to_string(err));
  return text + " (" + strerror(err) + ")";
}

std::string shortened_call(const std::string& call) {
  constexpr std::size_t kHead = 240, kTail = 120;
  if (call.size() <= kHead + kTail + 40) return call;
  return call.substr(0, kHead) + " ... (" + std::to_string(call.size() - kHead - kTail) +
         " characters left out) ... " + call.substr(call.size() - kTail);
}

SystemError::SystemError(const std::string& call, int err)
    : std::runtime_error(shortened_call(call) + ": " + errno_text(err)), errno_(err) {}

}  // namespace bootstrap
