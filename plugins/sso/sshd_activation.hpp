// apply --for-real's activation of the login configuration: `sshd -t` on what was committed
// (everywhere: it works offline), then, on a live systemd host, ssh.service reloaded (or
// started) so that new logins use the CA trust and principals.
#pragma once

#include "bootstrap/plugin.hpp"

namespace sso {

bootstrap::Activated activate_sshd(bootstrap::Host& host, const bootstrap::Activation& how);

}  // namespace sso
