#include "login_checks.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "host_tools.hpp"
#include "shell_quote.hpp"

namespace sso {
using namespace bootstrap;

namespace {

const std::string kDir = kCheckDir;

std::string overriding_file(Host& host, const std::string& key);

CommandResult run(Host& host, std::vector<std::string> argv, double timeout = 20) {
  Command c;
  c.argv = std::move(argv);
  c.timeout_seconds = timeout;
  return host.run(c);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string last_line(const std::string& s) {
  std::string t = trimmed(s);
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Whether one line of `s` is exactly `line` (a warning may come before or after it).
bool has_line(const std::string& s, const std::string& line) {
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (trimmed(l) == line) return true;
  return false;
}

// A user key signed by `ca` for `principals`, valid `validity`, with `serial`; returns its path.
std::string make_cert(Host& host, const std::string& name, const std::string& ca,
                      const std::string& principals, const std::string& validity, int serial) {
  std::string key = kDir + "/keys/" + name;
  for (const auto& p : {key, key + ".pub", key + "-cert.pub"})
    if (host.stat(p).type != FileType::Missing) host.remove(p);
  pyplug::run_checked(host, {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key});
  if (!ca.empty())
    pyplug::run_checked(
        host, {"ssh-keygen", "-q", "-s", ca, "-I", "bootstrap-check-" + name, "-n", principals,
               "-V", validity, "-z", std::to_string(serial), key + ".pub"});
  return key;
}

// The logins that work keep one connection open (a control master), so that the sudo checks
// over it cost no new handshake; a login that must be refused never uses one.
const std::vector<std::string> kShared = {
    "-o", "ControlMaster=auto", "-o", "ControlPath=" + kDir + "/cm-%r", "-o", "ControlPersist=60"};

std::vector<std::string> ssh(const std::string& key, const std::string& user,
                             const std::string& command, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"ssh",
                                   "-F",
                                   "/dev/null",
                                   "-i",
                                   key,
                                   "-o",
                                   "IdentitiesOnly=yes",
                                   "-o",
                                   "CertificateFile=" + key + "-cert.pub",
                                   "-o",
                                   "StrictHostKeyChecking=no",
                                   "-o",
                                   "UserKnownHostsFile=/dev/null",
                                   "-o",
                                   "BatchMode=yes",
                                   "-o",
                                   "ConnectTimeout=5",
                                   "-o",
                                   "LogLevel=ERROR"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), {user + "@127.0.0.1", command});
  return argv;
}

// A login that must work: exit 0, and sshd's log names the certificate's key id.
Check login_works(Host& host, const std::string& user, const std::string& principal, int serial) {
  std::string key = make_cert(host, user, kDir + "/ca", principal, "-5m:+10m", serial);
  CommandResult r = run(host, ssh(key, user, "true", kShared));
  std::string log = host.read_file(kDir + "/sshd.log").value_or("");
  bool logged = log.find("Accepted publickey for " + user + " ") != std::string::npos &&
                log.find("ID bootstrap-check-" + user + " (serial " + std::to_string(serial) +
                         ")") != std::string::npos;
  Check c{"a certificate for principal " + principal + " logs in as " + user, r.ok() && logged, ""};
  c.detail = !r.ok()
                 ? "ssh exited " + std::to_string(r.exit_status) + ": " + last_line(r.output) +
                       pyplug::describe_failure(
                           {"sshd log"}, {1, log.substr(log.size() > 600 ? log.size() - 600 : 0)})
             : !logged ? "sshd's log does not name key id bootstrap-check-" + user
                       : "sshd: Accepted publickey ... ID bootstrap-check-" + user;
  return c;
}

// Commands run at once (each login attempt waits on the network, not the CPU): their results.
std::vector<CommandResult> run_together(Host& host,
                                        const std::vector<std::vector<std::string>>& commands) {
  std::string script;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::string line;
    for (const auto& a : commands[i]) line += pluginkit::shell_quote(a) + " ";
    std::string out = kDir + "/attempt-" + std::to_string(i);
    script += "( " + line + "> " + out + ".out 2>&1; echo $? > " + out + ".rc ) &\n";
  }
  run(host, {"/bin/sh", "-c", script + "wait"}, 60);
  std::vector<CommandResult> results;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::string out = kDir + "/attempt-" + std::to_string(i);
    std::string rc = host.read_file(out + ".rc").value_or("255");
    results.push_back({std::atoi(rc.c_str()), host.read_file(out + ".out").value_or("")});
  }
  return results;
}

// Logins that must fail, tried together; each check passes when sshd refused it.
void refusals(Host& host, const SsoConfig& c, const std::string& user, const std::string& principal,
              std::vector<Check>& checks) {
  std::string ca = kDir + "/ca";
  auto cert = [&](const std::string& name, const std::string& signer, const std::string& p,
                  const std::string& v,
                  int z) { return ssh(make_cert(host, name, signer, p, v, z), user, "true"); };
  std::vector<std::pair<std::string, std::vector<std::string>>> attempts = {
      {"a plain key, no certificate", cert("plain", "", "", "", 0)},
      {"an expired certificate", cert("expired", ca, principal, "20200101:20200102", 2)},
      {"a certificate not valid yet", cert("future", ca, principal, "+1d:+2d", 3)},
      {"a certificate for a principal not listed for " + user,
       cert("stranger", ca, "not-a-principal-of-" + user, "-5m:+10m", 4)},
      {"a revoked certificate (serial " + std::to_string(kRevokedSerial) + ")",
       cert("revoked", ca, principal, "-5m:+10m", kRevokedSerial)},
      {"a certificate from another CA",
       cert("other-ca", kDir + "/other-ca", principal, "-5m:+10m", 5)}};
  // BatchMode cannot type a password, so the proof is what sshd offers: publickey only.
  if (!c.password_authentication)
    attempts.push_back({"password login (sshd offers no password method)",
                        ssh(kDir + "/keys/plain", user, "true",
                            {"-o", "PubkeyAuthentication=no", "-o",
                             "PreferredAuthentications=password,keyboard-interactive"})});
  std::vector<std::vector<std::string>> commands;
  for (const auto& a : attempts) commands.push_back(a.second);
  auto results = run_together(host, commands);
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    const CommandResult& r = results[i];
    std::string said = last_line(r.output);
    bool offered = said.find("password") != std::string::npos ||
                   said.find("keyboard-interactive") != std::string::npos;
    bool ok = !r.ok() && !(i == 6 && offered);
    checks.push_back({"refused: " + attempts[i].first, ok,
                      r.ok()              ? "the login WORKED: sshd let it in"
                      : offered && i == 6 ? "sshd offers it: " + said
                                          : said});
  }
}

std::string login_for(const SsoConfig& c, const SudoRule& r) {
  if (!r.user.empty()) return r.user;
  for (const auto& u : c.users)
    if (std::find(u.groups.begin(), u.groups.end(), r.group) != u.groups.end()) return u.name;
  return "";
}

std::string principal_for(const SsoConfig& c, const std::string& login) {
  for (const auto& u : c.users)
    if (u.name == login) return u.principals.front();
  for (const auto& a : c.accounts)
    if (a.name == login) return a.principals.front();
  return "";
}

void sudo_checks(Host& host, const SsoConfig& c, std::vector<Check>& checks) {
  for (const auto& r : c.sudo) {
    std::string login = login_for(c, r);
    std::string rule = "sudo rule for " + r.who();
    std::string principal = principal_for(c, login);
    if (login.empty() || principal.empty()) {
      checks.push_back({rule + ": someone of the baseline can use it", false,
                        "no user or account of this step is " +
                            (r.user.empty() ? "in group " + r.group : r.user) +
                            ", so no login can prove the rule"});
      continue;
    }
    std::string key = kDir + "/keys/" + login;  // made by its login check
    // 2>&1 on the far side: ssh carries stdout and stderr on separate channels, and sudo's
    // "unable to resolve host" warning (a host whose name is not in /etc/hosts) would otherwise
    // land anywhere in the output, even inside a line.
    auto over_ssh = [&](const std::string& cmd) {
      return run(host, ssh(key, login, cmd + " 2>&1", kShared));
    };
    CommandResult list = over_ssh("sudo -n -l");
    checks.push_back(
        {rule + ": " + login + " sees it (sudo -n -l)", list.ok(), last_line(list.output)});
    std::string sudo_u = "sudo -n -u " + r.runas + " ";
    if (r.commands.front() == "ALL") {
      CommandResult id = over_ssh(sudo_u + "id -un");
      checks.push_back({rule + ": " + login + " runs a command as " + r.runas,
                        id.ok() && has_line(id.output, r.runas), trimmed(id.output)});
      continue;
    }
    for (const auto& cmd : r.commands) {
      CommandResult allowed = over_ssh(sudo_u + "-l " + cmd);
      checks.push_back({rule + ": " + login + " may run " + cmd + " as " + r.runas, allowed.ok(),
                        last_line(allowed.output)});
    }
    CommandResult other = over_ssh(sudo_u + "-l /bin/sh");
    checks.push_back({rule + ": " + login + " may not run /bin/sh (outside the rule)", !other.ok(),
                      other.ok() ? "sudo allows it" : "refused"});
  }
}

// sshd -T for a login: the effective value of the settings the drop-in sets, and, when one
// differs, the file that set it first.
void effective_config(Host& host, const SsoConfig& c, const std::string& user,
                      std::vector<Check>& checks) {
  CommandResult t =
      run(host, {"/usr/sbin/sshd", "-T", "-C", "user=" + user + ",host=localhost,addr=127.0.0.1"});
  if (!t.ok()) {
    checks.push_back({"sshd -T gives the effective configuration", false, last_line(t.output)});
    return;
  }
  std::string yes_no = c.password_authentication ? "yes" : "no";
  std::map<std::string, std::string> wanted = {
      {"passwordauthentication", yes_no},
      {"kbdinteractiveauthentication", yes_no},
      {"trustedusercakeys", kCaKeys},
      {"authorizedprincipalsfile", std::string(kPrincipalsDir) + "/%u"}};
  if (c.has_krl()) wanted["revokedkeys"] = kKrl;
  for (const auto& [key, value] : wanted) {
    std::string found;
    std::size_t at = t.output.find("\n" + key + " ");
    if (at != std::string::npos)
      found =
          t.output.substr(at + key.size() + 2, t.output.find('\n', at + 1) - at - key.size() - 2);
    bool ok = found == value;
    std::string detail = ok ? "" : "sshd uses '" + found + "'" + overriding_file(host, key);
    checks.push_back({"sshd's effective " + key + " is " + value, ok, detail});
  }
}

}  // namespace

Service sshd_for_checks() {
  Service s;
  s.name = "sshd";
  std::string d = kDir;
  s.command.argv = {"/bin/sh", "-c",
                    "set -e; mkdir -p /run/sshd " + d +
                        "/keys; chmod 0755 /run/sshd; ssh-keygen -A >/dev/null; "
                        "ssh-keygen -q -t ed25519 -N '' -C throwaway-ca -f " +
                        d +
                        "/ca; "
                        "ssh-keygen -q -t ed25519 -N '' -C another-ca -f " +
                        d +
                        "/other-ca; "
                        "echo 'serial: " +
                        std::to_string(kRevokedSerial) + "' > " + d +
                        "/krl.spec; "
                        "ssh-keygen -q -k -f " +
                        d + "/revoked.krl -s " + d + "/ca.pub " + d +
                        "/krl.spec; "
                        "exec /usr/sbin/sshd -D -E " +
                        d +
                        "/sshd.log -o ListenAddress=127.0.0.1 -p 22 "
                        "-o TrustedUserCAKeys=" +
                        d + "/ca.pub -o RevokedKeys=" + d + "/revoked.krl"};
  s.ready = ReadinessProbe::tcp_port(22);
  s.timeout_seconds = 20;
  return s;
}

std::vector<Check> check_logins(Host& host, const SsoConfig& c) {
  std::vector<Check> checks;
  CommandResult t = run(host, {"/usr/sbin/sshd", "-t"});
  checks.push_back({"sshd -t accepts the configuration", t.ok(), t.ok() ? "" : trimmed(t.output)});
  CommandResult fp = run(host, {"ssh-keygen", "-l", "-f", kCaKeys});
  checks.push_back({"the CA keys are SSH public keys", fp.ok(), last_line(fp.output)});
  if (c.has_krl()) {
    CommandResult q = run(host, {"ssh-keygen", "-Q", "-f", kKrl, kCaKeys});
    checks.push_back(
        {"the KRL " + std::string(kKrl) + " is readable (a missing one locks out every key)",
         q.exit_status == 0 || q.exit_status == 1, last_line(q.output)});
  }
  CommandResult v = run(host, {"visudo", "-c"});
  checks.push_back(
      {"visudo -c accepts every sudoers file (owner and mode too)", v.ok(), last_line(v.output)});
  int serial = 100;
  std::string first_user, first_principal;
  for (const auto& u : c.users) {
    checks.push_back(login_works(host, u.name, u.principals.front(), ++serial));
    if (first_user.empty()) first_user = u.name, first_principal = u.principals.front();
  }
  for (const auto& a : c.accounts) {
    checks.push_back(login_works(host, a.name, a.principals.front(), ++serial));
    if (first_user.empty()) first_user = a.name, first_principal = a.principals.front();
  }
  if (!first_user.empty()) {
    effective_config(host, c, first_user, checks);
    refusals(host, c, first_user, first_principal, checks);
  }
  sudo_checks(host, c, checks);
  return checks;
}

namespace {
// The first file sshd reads that sets `key` (sshd_config, then its Include of sshd_config.d in
// name order), other than the step's own drop-in.
std::string overriding_file(Host& host, const std::string& key) {
  std::vector<std::string> files;
  for (const auto& name : host.list_dir("/etc/ssh/sshd_config.d"))
    if (name.size() > 5 && name.substr(name.size() - 5) == ".conf")
      files.push_back("/etc/ssh/sshd_config.d/" + name);
  files.push_back("/etc/ssh/sshd_config");
  for (const auto& f : files) {
    if (f == kDropIn) continue;
    std::string text = host.read_file(f).value_or("");
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t end = text.find('\n', at);
      std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
      at = end == std::string::npos ? text.size() : end + 1;
      std::size_t first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      std::string word = line.substr(first, line.find_first_of(" \t=", first) - first);
      for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (word == key) return "; set by " + f + ": '" + line.substr(first) + "'";
    }
  }
  return "";
}
}  // namespace

}  // namespace sso
