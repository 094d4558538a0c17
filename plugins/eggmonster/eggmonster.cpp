// eggmonster: the pull-based deployment agent (monster_launchd) in its own venv, configured
// for the organisation's master and package index, supervised by daemontools with its log;
// proven by letting it phone home to a stand-in master in the checks' sandbox.
#include <algorithm>

#include "activation.hpp"
#include "bootstrap/plugin.hpp"
#include "converge.hpp"
#include "eggmonster_config.hpp"
#include "host_tools.hpp"
#include "service_writer.hpp"
#include "stand_in_master.hpp"
#include "supervise_checks.hpp"

namespace eggmonster {
using namespace bootstrap;

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class Eggmonster final : public Plugin {
 public:
  void configure(const StepConfig& step) override {
    config_ = parse_eggmonster(step);
    service_ = launchd_service(config_);
  }

  Fetch fetch() const override {
    Fetch f;
    f.packages = {"python3-venv"};
    return f;
  }

  std::vector<std::string> required_plugins() const override { return {"daemontools"}; }

  void apply(Host& host, Outcome& out) override {
    if (host.stat(config_.venv.python).type == FileType::Missing)
      throw std::runtime_error(config_.python_mark.str() + ": " + config_.venv.python +
                               " is not in the target: put a python step before this one, or set "
                               "'python' to the interpreter the agent's venv is made from");
    pyplug::install_missing_packages(host, {"python3-venv"}, out);
    ensure_user(host, out);
    pyplug::apply_venv(host, config_.venv, out);
    if (host.stat(agent()).type == FileType::Missing)
      throw std::runtime_error(config_.package.text() + " installed no " + agent() +
                               ": it is not an eggmonster distribution");
    daemontools::ensure_log_user(host, config_.log_user, out);
    daemontools::ensure_service_roots(host, true, out);
    pluginkit::ensure_dir(host, "/etc/eggmonster", 0755, {}, out);
    daemontools::write_service(host, service_, config_.log_user, out);
    daemontools::enable_service(host, config_.service_dir, service_, out);
  }

  // The agent restarted when its service or its venv changed (svscan starts a new one itself).
  Activated activate(Host& host, const Activation& how) override {
    Activated out;
    if (daemontools::changed_under(how, config_.venv.path))
      daemontools::restart_service(host, how, config_.service_dir, service_, "the agent changed",
                                   out);
    else
      daemontools::restart_changed_services(host, how, config_.service_dir, {&service_}, out);
    return out;
  }

  std::vector<Check> verify(Host& host) override {
    std::vector<Check> checks;
    bool installed = check_installed(host, checks);
    std::size_t supervision = checks.size();
    daemontools::check_running(host, config_.service_dir, {&service_}, checks);
    bool running = std::all_of(checks.begin() + static_cast<std::ptrdiff_t>(supervision),
                               checks.end(), [](const Check& c) { return c.passed; });
    if (!installed) return checks;
    if (running)
      checks.push_back(phone_home(host));
    else
      checks.push_back({phone_home_name(), false,
                        "not tried: the agent's service is not up and stable (see above)"});
    return checks;
  }

 private:
  std::string phone_home_name() const {
    return phone_home_check_name(config_.master.host, config_.master.launch_port(),
                                 config_.host_id.empty() ? "<node name>" : config_.host_id);
  }

  std::string agent() const { return config_.venv.path + "/bin/monster_launchd"; }

  void ensure_user(Host& host, Outcome& out) {
    if (host.user(config_.user)) return;
    pyplug::run_checked(host, {"useradd", "--system", "--user-group", "--no-create-home",
                               "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                               "--comment", "eggmonster applications", config_.user});
    out.push_back({ChangeKind::Created, "user " + config_.user, "eggmonster's apps run as it"});
  }

  // The agent's program, and its distribution at the wanted version; sets version_.
  bool check_installed(Host& host, std::vector<Check>& checks) {
    bool exists = host.stat(agent()).type == FileType::Regular;
    checks.push_back(
        {"the agent " + agent() + " is installed", exists, exists ? "" : agent() + " is missing"});
    if (!exists) return false;
    const pyplug::Requirement& want = config_.package;
    auto got = pyplug::installed_versions(host, config_.venv, {want.name})[want.name];
    bool ok = got != "-" && (want.version.empty() || got == want.version);
    checks.push_back({config_.venv.path + " has " + want.text(), ok,
                      got == "-" ? want.name + " is not installed there"
                      : ok       ? want.name + " " + got
                                 : "it has " + want.name + " " + got});
    version_ = want.version.empty() ? got : want.version;
    return ok;
  }

  Check phone_home(Host& host) {
    PhoneHome p;
    p.python = config_.venv.python;
    p.master_host = config_.master.host;
    p.host_is_address = config_.master.host_is_address();
    p.launch_port = config_.master.launch_port();
    p.version = version_;
    p.expected_id = config_.host_id;
    p.id_source = "host_id: " + config_.host_id;
    if (config_.host_id.empty()) {
      p.expected_id = trimmed(pyplug::run_checked(host, {"uname", "-n"}).output);
      p.id_source = "the node's name, host_id: hostname";
    }
    p.service_path = config_.service_dir + "/" + service_.name;
    return check_phones_home(host, p,
                             [&] { return daemontools::service_log_tail(host, service_); });
  }

  EggmonsterConfig config_;
  daemontools::ServiceSpec service_;
  std::string version_;
};

}  // namespace
}  // namespace eggmonster

BOOTSTRAP_PLUGIN(eggmonster::Eggmonster, "eggmonster", "1.0.0",
                 "the eggmonster deployment agent (monster_launchd) in its venv, supervised by "
                 "daemontools, phoning home to the organisation's master")
