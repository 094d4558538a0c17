// sso: developer login through an SSH certificate authority, and sudo. The host trusts the
// organisation's CA; principals map people and roles to local accounts; sudo rules give groups
// and accounts their commands. Proven by real logins with certificates of a throwaway CA.
#include <algorithm>
#include <set>

#include "bootstrap/plugin.hpp"
#include "converge.hpp"
#include "host_tools.hpp"
#include "login_checks.hpp"
#include "sshd_activation.hpp"
#include "sso_config.hpp"
#include "sso_files.hpp"

namespace sso {
using namespace bootstrap;
using namespace pluginkit;

namespace {

const std::vector<std::string> kPackages = {"openssh-server", "sudo"};

bool in_group(Host& host, const std::string& group, const std::string& user) {
  auto g = host.group(group);
  auto u = host.user(user);
  if (!g || !u) return false;
  return u->gid == g->id ||
         std::find(g->members.begin(), g->members.end(), user) != g->members.end();
}

class Sso final : public Plugin {
 public:
  void configure(const StepConfig& step) override { config_ = parse_sso(step); }

  Fetch fetch() const override { return {kPackages, {}, {}}; }

  std::vector<std::string> per_host_paths() const override { return {"/etc/ssh/ssh_host_*"}; }

  std::vector<Service> services() const override { return {sshd_for_checks()}; }

  void apply(Host& host, Outcome& out) override {
    pyplug::install_missing_packages(host, kPackages, out);
    ensure_groups(host, out);
    ensure_users(host, out);
    for (const auto& a : config_.accounts)
      if (!host.user(a.name))
        throw std::runtime_error(a.mark.str() + ": account '" + a.name +
                                 "' does not exist in the target; create it in an earlier step (or "
                                 "list it under 'users')");
    write_trust(host, out);
    write_principals(host, out);
    ensure_file(host, kDropIn, sshd_drop_in(config_), 0644, {}, out);
    install_sudoers(host, out);
  }

  std::vector<Check> verify(Host& host) override { return check_logins(host, config_); }

  Activated activate(Host& host, const Activation& how) override {
    return activate_sshd(host, how);
  }

 private:
  void ensure_groups(Host& host, Outcome& out) {
    for (const auto& g : config_.groups) {
      if (host.group(g)) continue;
      pyplug::run_checked(host, {"groupadd", g});
      out.push_back({ChangeKind::Created, "group " + g, ""});
    }
  }

  void ensure_users(Host& host, Outcome& out) {
    for (const auto& u : config_.users) {
      for (const auto& g : u.groups)
        if (!host.group(g))
          throw std::runtime_error(u.mark.str() + ": group '" + g + "' of user '" + u.name +
                                   "' does not exist in the target; list it under 'groups'");
      if (!host.user(u.name)) {
        // '*': no password can match, and the account is not "locked" (sshd refuses those).
        pyplug::run_checked(
            host, {"useradd", "--create-home", "--user-group", "--shell", "/bin/bash", "--password",
                   "*", "--comment", "managed by bootstrap (sso)", u.name});
        out.push_back({ChangeKind::Created, "user " + u.name, "home /home/" + u.name});
      }
      for (const auto& g : u.groups) {
        if (in_group(host, g, u.name)) continue;
        pyplug::run_checked(host, {"usermod", "--append", "--groups", g, u.name});
        out.push_back({ChangeKind::Modified, "user " + u.name, "member of " + g});
      }
    }
  }

  void write_trust(Host& host, Outcome& out) {
    ensure_file(host, kCaKeys, config_.ca_keys_text, 0644, {}, out);
    if (!config_.krl.empty()) ensure_file(host, kKrl, config_.krl, 0644, {}, out);
    if (!config_.krl_spec.empty()) ensure_file(host, kKrl, compile_krl(host), 0644, {}, out);
  }

  // The spec compiled by the target's ssh-keygen (serials relative to the first CA key).
  std::string compile_krl(Host& host) {
    const std::string spec = "/tmp/bootstrap-sso-krl.spec", krl = "/tmp/bootstrap-sso.krl";
    host.write_file(spec, config_.krl_spec, 0600, 0, 0);
    host.write_file("/tmp/bootstrap-sso-ca.pub", config_.ca_keys.front().line + "\n", 0600, 0, 0);
    if (host.stat(krl).type != FileType::Missing) host.remove(krl);
    pyplug::run_checked(
        host, {"ssh-keygen", "-q", "-k", "-f", krl, "-s", "/tmp/bootstrap-sso-ca.pub", spec});
    std::string bytes = without_krl_date(host.read_file(krl).value_or(""));
    for (const auto& p : {spec, krl, std::string("/tmp/bootstrap-sso-ca.pub")}) host.remove(p);
    return bytes;
  }

  void write_principals(Host& host, Outcome& out) {
    ensure_dir(host, kPrincipalsDir, 0755, {}, out);
    std::set<std::string> wanted;
    for (const auto& u : config_.users) {
      ensure_file(host, std::string(kPrincipalsDir) + "/" + u.name, principals_file(u.principals),
                  0644, {}, out);
      wanted.insert(u.name);
    }
    for (const auto& a : config_.accounts) {
      ensure_file(host, std::string(kPrincipalsDir) + "/" + a.name, principals_file(a.principals),
                  0644, {}, out);
      wanted.insert(a.name);
    }
    for (const auto& name : host.list_dir(kPrincipalsDir))
      if (!wanted.count(name))
        ensure_absent(host, std::string(kPrincipalsDir) + "/" + name, "no longer in the baseline",
                      out);
  }

  // visudo checks the fragment before it goes where sudo reads it: a rejected one is never
  // installed, and the one installed before stays.
  void install_sudoers(Host& host, Outcome& out) {
    if (config_.sudo.empty()) {
      ensure_absent(host, kSudoers, "no 'sudo' rules", out);
      return;
    }
    std::string text = sudoers_fragment(config_);
    if (host.read_file(kSudoers) == text) {
      ensure_file(host, kSudoers, text, 0440, {}, out);  // mode and owner
      return;
    }
    const std::string candidate = "/etc/bootstrap-sso.sudoers.candidate";
    host.write_file(candidate, text, 0440, 0, 0);
    CommandResult r = host.run({{"visudo", "-c", "-f", candidate}, {}, "", "/", 0, 0});
    host.remove(candidate);
    if (!r.ok())
      throw std::runtime_error("visudo rejects the sudo rules, so " + std::string(kSudoers) +
                               " was not installed (the one before stays):\n" + r.output);
    ensure_file(host, kSudoers, text, 0440, {}, out);
  }

  SsoConfig config_;
};

}  // namespace
}  // namespace sso

BOOTSTRAP_PLUGIN(
    sso::Sso, "sso", "1.0.0",
    "developer login through an SSH certificate authority, and sudo rules, proven by real logins")
