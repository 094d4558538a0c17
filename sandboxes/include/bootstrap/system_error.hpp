// Errors from the system: the failing call, its arguments and errno, as
//   mount("overlay", "/var/cache/bootstrap/tmp/x/root", "overlay", ...): EINVAL (Invalid argument)
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace bootstrap {

class SystemError : public std::runtime_error {
 public:
  // `call` is the call as a reader would write it, e.g. "openat2(\"/srv\", RESOLVE_IN_ROOT)";
  // a long one (an overlay mount's lowerdir list) keeps its start and end (shortened_call).
  SystemError(const std::string& call, int err);
  // A message that already names the call and errno (e.g. relayed from a sandbox's child).
  struct Preformatted {};
  SystemError(Preformatted, const std::string& message, int err)
      : std::runtime_error(message), errno_(err) {}
  int error_number() const { return errno_; }

 private:
  int errno_;
};

// Thrown when this machine cannot do what was asked (no overlayfs, not root, no mmdebstrap);
// commands exit with status 3.
class EnvironmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A call's text for a message: up to 400 characters as it is, a longer one as its first 240
// and last 120 characters with how many were left out between them.
std::string shortened_call(const std::string& call);

// "EINVAL (Invalid argument)"
std::string errno_text(int err);

// Throws SystemError(call, errno) when `result` is -1.
inline long check_sys(long result, const std::string& call) {
  if (result == -1) throw SystemError(call, errno);
  return result;
}

}  // namespace bootstrap
