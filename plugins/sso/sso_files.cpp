#include "sso_files.hpp"

namespace sso {

std::string sshd_drop_in(const SsoConfig& c) {
  std::string yes_no = c.password_authentication ? "yes" : "no";
  std::string text =
      "# Managed by bootstrap (sso step); local edits are overwritten.\n"
      "# Named to be read first of sshd_config.d: for sshd the first value of a setting wins.\n"
      "TrustedUserCAKeys " +
      std::string(kCaKeys) +
      "\n"
      "AuthorizedPrincipalsFile " +
      std::string(kPrincipalsDir) + "/%u\n";
  if (c.has_krl()) text += "RevokedKeys " + std::string(kKrl) + "\n";
  text += "PasswordAuthentication " + yes_no + "\n";
  text += "KbdInteractiveAuthentication " + yes_no + "\n";
  return text;
}

std::string principals_file(const std::vector<std::string>& principals) {
  std::string text;
  for (const auto& p : principals) text += p + "\n";
  return text;
}

std::string sudoers_fragment(const SsoConfig& c) {
  std::string text =
      "# Managed by bootstrap (sso step); checked with visudo before it is installed.\n";
  for (const auto& r : c.sudo) {
    std::string commands;
    for (const auto& cmd : r.commands) commands += (commands.empty() ? "" : ", ") + cmd;
    text +=
        r.who() + " ALL=(" + r.runas + ") " + (r.nopasswd ? "NOPASSWD: " : "") + commands + "\n";
  }
  return text;
}

std::string without_krl_date(std::string krl) {
  // "SSHKRL\n\0" (8), format version (4), krl version (8), generated date (8): big-endian u64s.
  if (krl.size() >= 28 && krl.rfind(std::string("SSHKRL\n\0", 8), 0) == 0)
    for (std::size_t i = 20; i < 28; ++i) krl[i] = '\0';
  return krl;
}

}  // namespace sso
