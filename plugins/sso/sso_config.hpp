// The sso step's configuration, validated.
//
//   - sso:
//       ca_keys: [keys/dev-ca.pub]          # SSH user-CA public keys, files next to the baseline
//       revoked_keys: keys/revoked.krl      # optional: a binary KRL, or a KRL spec (compiled)
//       users: [{name: alice, principals: [alice], groups: [developers]}]
//       accounts: {deploy: [dragoman-deploy, oncall]}
//       groups: [developers]
//       sudo: [{group: developers, commands: ALL, nopasswd: true}, {user: deploy, commands: [...],
//       runas: root}] password_authentication: false
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"

namespace sso {

struct UserSpec {
  std::string name;
  std::vector<std::string> principals;  // default: {name}
  std::vector<std::string> groups;
  bootstrap::SourceMark mark;
};

struct AccountSpec {  // an existing (service) account people may log in as
  std::string name;
  std::vector<std::string> principals;
  bootstrap::SourceMark mark;
};

struct SudoRule {
  std::string user;  // one of user / group
  std::string group;
  std::vector<std::string> commands;  // {"ALL"} or absolute paths (with arguments)
  std::string runas = "root";
  bool nopasswd = false;
  bootstrap::SourceMark mark;
  std::string who() const { return user.empty() ? "%" + group : user; }
};

struct CaKey {
  std::string type;  // "ssh-ed25519"
  std::string line;  // "type base64 [comment]"
};

struct SsoConfig {
  std::vector<CaKey> ca_keys;
  std::string ca_keys_text;  // the file sshd reads: one key a line
  std::string krl;           // bytes of a binary KRL; empty: none
  std::string krl_spec;      // or a KRL spec, compiled in the target at apply
  bool has_krl() const { return !krl.empty() || !krl_spec.empty(); }
  std::vector<UserSpec> users;
  std::vector<AccountSpec> accounts;
  std::vector<std::string> groups;
  std::vector<SudoRule> sudo;
  bool password_authentication = false;
};

// Throws bootstrap::ConfigError with the mark of the offending value.
SsoConfig parse_sso(const bootstrap::StepConfig& step);

// Where the step writes.
inline constexpr const char* kDropIn = "/etc/ssh/sshd_config.d/00-bootstrap-sso.conf";
inline constexpr const char* kCaKeys = "/etc/ssh/bootstrap-sso-user-ca.pub";
inline constexpr const char* kKrl = "/etc/ssh/bootstrap-sso-revoked.krl";
inline constexpr const char* kPrincipalsDir = "/etc/ssh/auth_principals";
inline constexpr const char* kSudoers = "/etc/sudoers.d/bootstrap-sso";

}  // namespace sso
