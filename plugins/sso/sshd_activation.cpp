#include "sshd_activation.hpp"

#include <stdexcept>

#include "host_tools.hpp"

namespace sso {
using namespace bootstrap;

Activated activate_sshd(Host& host, const Activation& how) {
  Activated out;
  // sshd -t wants its privilege separation directory (ssh.service makes it at start).
  if (host.stat("/run/sshd").type == FileType::Missing) host.make_dir("/run/sshd", 0755, 0, 0);
  Command test;
  test.argv = {"/usr/sbin/sshd", "-t"};
  CommandResult t = host.run(test);
  if (!t.ok())
    throw std::runtime_error("the committed sshd configuration is refused: " +
                             pyplug::describe_failure(test.argv, t));
  if (!how.live) {
    out.done.push_back("sshd -t accepts the committed configuration");
    out.not_started.push_back(
        "ssh.service not reloaded: not the running host; it reads the "
        "configuration when it starts");
    return out;
  }
  if (!how.systemd) {
    out.not_started.push_back(
        "sshd not reloaded: this host does not run systemd; send sshd "
        "SIGHUP (its configuration passed sshd -t)");
    return out;
  }
  pyplug::run_checked(host, {"systemctl", "reload-or-restart", "ssh.service"});
  out.done.push_back("ssh.service reloaded (sshd -t passed)");
  return out;
}

}  // namespace sso
