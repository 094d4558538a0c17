#include "sso_config.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "names.hpp"

namespace sso {
using bootstrap::ConfigError;
using bootstrap::Fields;
using bootstrap::Value;

namespace {

constexpr std::size_t kMaxKeyFileBytes = 1u << 20;

// What sshd accepts for a user CA: no DSA; RSA keys sign with rsa-sha2-* (sshd no longer takes
// ssh-rsa SHA-1 signatures, which is the signer's choice, not the key's).
const std::set<std::string>& ca_key_types() {
  static const std::set<std::string> types = {"ssh-ed25519",
                                              "ecdsa-sha2-nistp256",
                                              "ecdsa-sha2-nistp384",
                                              "ecdsa-sha2-nistp521",
                                              "sk-ssh-ed25519@openssh.com",
                                              "sk-ecdsa-sha2-nistp256@openssh.com",
                                              "ssh-rsa"};
  return types;
}

// A principal is one line of an AuthorizedPrincipalsFile and one item of ssh-keygen -n.
std::string principal_of(const Value& v) {
  std::string p = v.as_string("a principal");
  if (p.empty() || p.find_first_of(", \t\n\r#\"") != std::string::npos)
    throw v.error(
        "'" + p +
        "' cannot be a principal: no commas, spaces, quotes or '#' (sshd splits on them)");
  return p;
}

std::vector<std::string> principals_of(const Value& v) {
  std::vector<std::string> out;
  if (v.is_scalar()) return {principal_of(v)};
  for (const Value& p : v.as_list("'principals'")) out.push_back(principal_of(p));
  if (out.empty())
    throw v.error("no principals: nobody could log in; leave the key out for [name]");
  return out;
}

std::string name_of(const Value& v, const std::string& what) {
  std::string n = v.as_string(what);
  if (!pluginkit::user_name_ok(n))
    throw v.error(what + " '" + n +
                  "' is not a name sshd and useradd take ([a-z_][a-z0-9_.-]*, at most 32)");
  return n;
}

bool base64_ok(const std::string& s) {
  return !s.empty() &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
             std::string::npos;
}

void parse_ca_file(const Value& v, const bootstrap::StepConfig& step, SsoConfig& out) {
  std::string text = bootstrap::read_baseline_file(step, v, "'ca_keys'", kMaxKeyFileBytes);
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  int keys = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string type, blob;
    words >> type >> blob;
    std::string where = "'" + v.text() + "' line " + std::to_string(n);
    if (line.find("PRIVATE KEY") != std::string::npos)
      throw v.error(where +
                    " is a private key: ca_keys takes the CA's public key (.pub); keep the private "
                    "key off hosts");
    if (!ca_key_types().count(type) || !base64_ok(blob))
      throw v.error(where +
                    " is not an SSH public key sshd accepts for a CA (ssh-ed25519, ecdsa-sha2-*, "
                    "sk-*, ssh-rsa): '" +
                    line.substr(0, 40) + "'");
    out.ca_keys.push_back({type, line});
    out.ca_keys_text += line + "\n";
    ++keys;
  }
  if (keys == 0) throw v.error("'" + v.text() + "' holds no public key");
}

void parse_krl(const Value& v, const bootstrap::StepConfig& step, SsoConfig& out) {
  std::string bytes = bootstrap::read_baseline_file(step, v, "'revoked_keys'", kMaxKeyFileBytes);
  if (bytes.rfind(std::string("SSHKRL\n\0", 8), 0) == 0) {
    out.krl = bytes;
    return;
  }
  // A KRL spec: "serial: N", "id: ...", "key: ...", "sha1: ...", "sha256: ...", "hash: ..."
  std::istringstream lines(bytes);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    std::string kind = colon == std::string::npos ? line : line.substr(0, colon);
    if (kind != "serial" && kind != "id" && kind != "key" && kind != "sha1" && kind != "sha256" &&
        kind != "hash")
      throw v.error("'" + v.text() + "' line " + std::to_string(n) +
                    " is neither a binary KRL nor a KRL spec line (serial:, id:, key:, sha1:, "
                    "sha256:, hash:)");
  }
  out.krl_spec = bytes;
}

SudoRule parse_sudo(const Value& v) {
  Fields f(v, "a sudo rule");
  SudoRule r;
  r.mark = v.mark();
  const Value* user = f.optional("user");
  const Value* group = f.optional("group");
  if ((user == nullptr) == (group == nullptr))
    throw v.error("a sudo rule names either 'user' or 'group'");
  if (user) r.user = name_of(*user, "'user'");
  if (group) r.group = name_of(*group, "'group'");
  const Value& commands = f.required("commands");
  if (commands.is_scalar() && commands.text() == "ALL") {
    r.commands = {"ALL"};
  } else {
    for (const Value& c : commands.as_list("'commands'")) {
      std::string cmd = c.as_string("a command");
      if (cmd.empty() || cmd[0] != '/' || cmd.find_first_of(",:\\\n=") != std::string::npos)
        throw c.error(
            "a sudo command is an absolute path (with arguments), without ',', ':', '=' or '\\\\': "
            "'" +
            cmd + "'");
      r.commands.push_back(cmd);
    }
    if (r.commands.empty()) throw commands.error("no commands: write ALL, or list absolute paths");
  }
  if (const Value* runas = f.optional("runas")) r.runas = name_of(*runas, "'runas'");
  if (const Value* np = f.optional("nopasswd")) r.nopasswd = np->as_bool("'nopasswd'");
  f.finish();
  return r;
}

void parse_people(Fields& f, SsoConfig& out) {
  std::set<std::string> names;
  if (const Value* v = f.optional("users"))
    for (const Value& item : v->as_list("'users'")) {
      Fields u(item, "a user");
      UserSpec s;
      s.mark = item.mark();
      s.name = name_of(u.required("name"), "user");
      s.principals = u.optional("principals") ? principals_of(*u.optional("principals"))
                                              : std::vector<std::string>{s.name};
      if (const Value* g = u.optional("groups"))
        for (const Value& gv : g->as_list("'groups'")) s.groups.push_back(name_of(gv, "group"));
      u.finish();
      if (!names.insert(s.name).second)
        throw u.required("name").error("user '" + s.name + "' is listed twice");
      out.users.push_back(std::move(s));
    }
  if (const Value* v = f.optional("accounts"))
    for (const auto& [name, principals] : v->as_map("'accounts'")) {
      AccountSpec a{name, principals_of(principals), v->key_mark(name)};
      if (!pluginkit::user_name_ok(name))
        throw ConfigError(a.mark, "account '" + name + "' is not a name sshd and useradd take");
      if (!names.insert(name).second)
        throw ConfigError(a.mark, "'" + name + "' is both a user and an account");
      out.accounts.push_back(std::move(a));
    }
  if (const Value* v = f.optional("groups"))
    for (const Value& g : v->as_list("'groups'")) out.groups.push_back(name_of(g, "group"));
}

}  // namespace

SsoConfig parse_sso(const bootstrap::StepConfig& step) {
  const Value& root = step.config;
  if (!root.is_map()) throw root.error("sso needs a mapping with at least 'ca_keys'");
  Fields f(root, "sso");
  SsoConfig out;
  const Value& ca = f.required("ca_keys");
  for (const Value& file : ca.as_list("'ca_keys'")) parse_ca_file(file, step, out);
  if (out.ca_keys.empty())
    throw ca.error("'ca_keys' lists no file: without a CA nobody can log in");
  if (const Value* v = f.optional("revoked_keys")) parse_krl(*v, step, out);
  parse_people(f, out);
  if (const Value* v = f.optional("sudo"))
    for (const Value& r : v->as_list("'sudo'")) out.sudo.push_back(parse_sudo(r));
  if (const Value* v = f.optional("password_authentication"))
    out.password_authentication = v->as_bool("'password_authentication'");
  f.finish();
  return out;
}

}  // namespace sso
