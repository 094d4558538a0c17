// The text of what the sso step writes: pure functions of the config.
#pragma once

#include <string>

#include "sso_config.hpp"

namespace sso {

std::string sshd_drop_in(const SsoConfig& c);
std::string principals_file(const std::vector<std::string>& principals);
std::string sudoers_fragment(const SsoConfig& c);
// A compiled KRL with its generation date set to 0, so the same spec gives the same bytes.
std::string without_krl_date(std::string krl);

}  // namespace sso
