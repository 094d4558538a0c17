// The sso step's checks, with the target's own sshd running in the checks' sandbox on
// 127.0.0.1:22 (its real configuration; only TrustedUserCAKeys and RevokedKeys point at a
// throwaway CA and KRL made for the checks): real logins with real certificates.
#pragma once

#include <vector>

#include "bootstrap/plugin.hpp"
#include "sso_config.hpp"

namespace sso {

// Where the throwaway CA, keys and sshd's log live in the checks' sandbox (a tmpfs).
inline constexpr const char* kCheckDir = "/run/bootstrap-sso";
// The serial the throwaway KRL revokes.
inline constexpr int kRevokedSerial = 666;

bootstrap::Service sshd_for_checks();
std::vector<bootstrap::Check> check_logins(bootstrap::Host& host, const SsoConfig& config);

}  // namespace sso
