// daemontools: svscan and supervise from Debian or the organisation's apt repository, and
// the services the baseline names, each supervised with its log; proven by running them.
#include <algorithm>
#include <chrono>
#include <thread>

#include "bootstrap/plugin.hpp"
#include "converge.hpp"
#include "host_tools.hpp"
#include "service_config.hpp"
#include "service_files.hpp"
#include "supervise_checks.hpp"

namespace daemontools {
using namespace bootstrap;
using namespace pluginkit;

namespace {

Owner owner_of(Host& host, const std::string& user, const std::string& group) {
  Owner o;
  if (auto u = host.user(user)) o = {u->id, u->gid};
  if (auto g = host.group(group)) o.gid = g->id;
  return o;
}

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
    if (logs) ensure_log_user(host, out);
    ensure_dir(host, kServicesRoot, 0755, {}, out);
    ensure_dir(host, kSuperviseRoot, 0755, {}, out);
    if (logs) ensure_dir(host, kLogRoot, 0755, {}, out);
    for (const auto& s : config_.services) write_service(host, s, out);
    if (host.stat(config_.service_dir).type == FileType::Missing)
      ensure_dir(host, config_.service_dir, 0755, {}, out);
    remove_services_not_in_baseline(host, out);
    // Last: svscan picks a service up only once its directory is complete.
    for (const auto& s : config_.services)
      ensure_link(host, config_.service_dir + "/" + s.name, service_home(s.name), out);
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

  void ensure_log_user(Host& host, Outcome& out) {
    if (host.user(config_.log_user)) return;
    pyplug::run_checked(host, {"useradd", "--system", "--user-group", "--no-create-home",
                               "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                               "--comment", "daemontools logs (multilog)", config_.log_user});
    out.push_back({ChangeKind::Created, "user " + config_.log_user,
                   "owns " + std::string(kLogRoot) + "/<service>"});
  }

  void write_service(Host& host, const ServiceSpec& s, Outcome& out) {
    std::string home = service_home(s.name);
    std::string state = std::string(kSuperviseRoot) + "/" + s.name;
    ensure_dir(host, home, 0755, {}, out);
    ensure_file(host, home + "/run", run_script(s), 0755, {}, out);
    write_env(host, s, out);
    if (s.down)
      ensure_file(host, home + "/down", "", 0644, {}, out);
    else
      ensure_absent(host, home + "/down", "the service is no longer 'down'", out);
    ensure_dir(host, state, 0700, {}, out);
    ensure_link(host, home + "/supervise", state, out);
    if (!s.log) {
      ensure_absent(host, home + "/log", "'log: false'", out);
      return;
    }
    ensure_dir(host, home + "/log", 0755, {}, out);
    ensure_file(host, home + "/log/run", log_run_script(s, config_.log_user), 0755, {}, out);
    ensure_dir(host, state + ".log", 0700, {}, out);
    ensure_link(host, home + "/log/supervise", state + ".log", out);
    ensure_dir(host, std::string(kLogRoot) + "/" + s.name, 02750,
               owner_of(host, config_.log_user, "adm"), out);
  }

  void write_env(Host& host, const ServiceSpec& s, Outcome& out) {
    std::string dir = service_home(s.name) + "/env";
    if (s.env.empty()) {
      ensure_absent(host, dir, "no 'env' any more", out);
      return;
    }
    ensure_dir(host, dir, 0755, {}, out);
    for (const auto& name : host.list_dir(dir))
      if (!s.env.count(name)) ensure_absent(host, dir + "/" + name, "no longer in 'env'", out);
    for (const auto& [k, v] : s.env) ensure_file(host, dir + "/" + k, env_file(v), 0644, {}, out);
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
