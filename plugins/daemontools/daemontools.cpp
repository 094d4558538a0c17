// daemontools: svscan and supervise from Debian or the organisation's apt repository, and
// the services the baseline names, each supervised with its log; proven by running them.
#include <algorithm>

#include "activation.hpp"
#include "bootstrap/plugin.hpp"
#include "converge.hpp"
#include "host_tools.hpp"
#include "service_config.hpp"
#include "service_writer.hpp"
#include "supervise_checks.hpp"

namespace daemontools {
using namespace bootstrap;
using namespace pluginkit;

namespace {

class Daemontools final : public Plugin {
 public:
  void configure(const StepConfig& step) override { config_ = parse_daemontools(step); }

  Fetch fetch() const override {
    Fetch f;
    f.packages = config_.packages;
    if (config_.repo)
      f.apt_sources.push_back(
          {config_.repo->deb_line, config_.repo->key_source, config_.repo->name});
    return f;
  }

  void apply(Host& host, Outcome& out) override {
    install(host, out);
    for (const auto& s : config_.services)
      if (!s.user.empty() && !host.user(s.user))
        throw std::runtime_error(s.user_mark.str() + ": user '" + s.user +
                                 "' does not exist in the target; create it in an earlier step");
    bool logs = std::any_of(config_.services.begin(), config_.services.end(),
                            [](const ServiceSpec& s) { return s.log; });
    if (logs) ensure_log_user(host, config_.log_user, out);
    ensure_service_roots(host, logs, out);
    for (const auto& s : config_.services) write_service(host, s, config_.log_user, out);
    if (host.stat(config_.service_dir).type == FileType::Missing)
      ensure_dir(host, config_.service_dir, 0755, {}, out);
    remove_services_not_in_baseline(host, out);
    // Last: svscan picks a service up only once its directory is complete.
    for (const auto& s : config_.services) enable_service(host, config_.service_dir, s, out);
  }

  std::vector<Service> services() const override {
    Service svscan;
    svscan.name = "svscan";
    svscan.command.argv = {"svscan", config_.service_dir};
    svscan.ready = ReadinessProbe::command_succeeds(
        {"/bin/sh", "-c", all_supervised_script(config_.service_dir)});
    svscan.timeout_seconds = 10;
    return {svscan};
  }

  std::vector<Check> verify(Host& host) override { return check_supervision(host, config_); }

  Activated activate(Host& host, const Activation& how) override {
    Activated out;
    activate_svscan(host, how, config_.service_dir, out);
    std::vector<const ServiceSpec*> services;
    for (const auto& s : config_.services) services.push_back(&s);
    restart_changed_services(host, how, config_.service_dir, services, out);
    return out;
  }

 private:
  void install(Host& host, Outcome& out) {
    if (config_.repo) {
      pyplug::install_apt_repo(host, *config_.repo, out);
      if (!host.missing_packages(config_.packages).empty() &&
          !pyplug::apt_candidate(host, config_.packages.front()))
        pyplug::update_one_source(host, *config_.repo);
    }
    pyplug::install_missing_packages(host, config_.packages, out);
  }

  // A service bootstrap made earlier that the baseline no longer names is removed (its link
  // first, so svscan stops seeing it; its logs stay). Services of others are left alone.
  void remove_services_not_in_baseline(Host& host, Outcome& out) {
    auto wanted = [&](const std::string& name) {
      return std::any_of(config_.services.begin(), config_.services.end(),
                         [&](const ServiceSpec& s) { return s.name == name; });
    };
    for (const auto& name : host.list_dir(config_.service_dir)) {
      std::string link = config_.service_dir + "/" + name;
      if (wanted(name) || host.stat(link).type != FileType::Symlink) continue;
      if (host.read_link(link) == service_home(name))
        ensure_absent(host, link, "no longer in the baseline", out);
    }
    for (const auto& name : host.list_dir(kServicesRoot)) {
      if (wanted(name)) continue;
      ensure_absent(host, service_home(name), "no longer in the baseline", out);
      ensure_absent(host, std::string(kSuperviseRoot) + "/" + name, "no longer in the baseline",
                    out);
      ensure_absent(host, std::string(kSuperviseRoot) + "/" + name + ".log",
                    "no longer in the baseline", out);
    }
  }

  DaemontoolsConfig config_;
};

}  // namespace
}  // namespace daemontools

BOOTSTRAP_PLUGIN(daemontools::Daemontools, "daemontools", "1.0.0",
                 "svscan/supervise from Debian or the organisation's repository, and supervised "
                 "services with their logs")
