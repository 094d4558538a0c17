// The private network namespace starts with "lo" down; bring it up (SIOCSIFFLAGS) so services
// started by verify can listen on 127.0.0.1.
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

void loopback_up_in_child() {
  UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw SystemError("socket(AF_INET, SOCK_DGRAM)", errno);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  req.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
  if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) throw SystemError("ioctl(\"lo\", SIOCSIFFLAGS, IFF_UP)", errno);
}

}  // namespace bootstrap::sandbox
