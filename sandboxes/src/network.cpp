// The private network: a new network namespace whose "lo" is up (SIOCSIFFLAGS), so services
// started by verify can listen on 127.0.0.1. Making one costs about a millisecond of kernel
// time (loopback device, sysctl tables), so pid 1 makes it on a second thread while it builds
// the mounts, then joins it.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

void loopback_up() {
  UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw SystemError("socket(AF_INET, SOCK_DGRAM)", errno);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  req.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
  if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) throw SystemError("ioctl(\"lo\", SIOCSIFFLAGS, IFF_UP)", errno);
}

}  // namespace

UniqueFd new_network_namespace_on_this_thread() {
  if (unshare(CLONE_NEWNET) != 0) throw SystemError("unshare(CLONE_NEWNET)", errno);
  loopback_up();
  // This thread's namespace, named through the /proc the sandbox still shares with the host.
  UniqueFd ns(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!ns) throw SystemError("open(\"/proc/thread-self/ns/net\")", errno);
  return ns;
}

void enter_network_namespace_in_child(int ns) {
  if (setns(ns, CLONE_NEWNET) != 0) throw SystemError("setns(CLONE_NEWNET)", errno);
}

}  // namespace bootstrap::sandbox
