#include "activation.hpp"

#include <algorithm>
#include <stdexcept>

#include "host_tools.hpp"

namespace daemontools {
using namespace bootstrap;

namespace {

bool unit_installed(Host& host) {
  for (const char* dir : {"/lib/systemd/system/", "/usr/lib/systemd/system/"})
    if (host.stat(std::string(dir) + kSvscanUnit).type != FileType::Missing) return true;
  return false;
}

bool unit_enabled(Host& host) {
  return host.stat(std::string("/etc/systemd/system/multi-user.target.wants/") + kSvscanUnit)
             .type != FileType::Missing;
}

// Who starts svscan on this target, when bootstrap does not.
std::string starter(Host& host) {
  if (!unit_installed(host))
    return std::string("no ") + kSvscanUnit + " in the target: start `svscanboot` from its init";
  if (!unit_enabled(host))
    return std::string(kSvscanUnit) + " is installed but not enabled: `systemctl enable --now " +
           kSvscanUnit + "`";
  return std::string(kSvscanUnit) + " (enabled) starts it when the host boots";
}

}  // namespace

bool changed_under(const Activation& how, const std::string& dir) {
  return std::any_of(how.changed.begin(), how.changed.end(),
                     [&](const std::string& p) { return p == dir || p.starts_with(dir + "/"); });
}

void activate_svscan(Host& host, const Activation& how, const std::string& service_dir,
                     Activated& out) {
  std::string what = "svscan " + service_dir;
  if (!how.live) {
    out.not_started.push_back(what + ": not the running host; " + starter(host));
    return;
  }
  if (!how.systemd || !unit_installed(host)) {
    out.not_started.push_back(what + ": " +
                              (how.systemd ? starter(host)
                                           : "this host does not run systemd; start `svscanboot` "
                                             "from its init"));
    return;
  }
  pyplug::run_checked(host, {"systemctl", "start", kSvscanUnit});
  out.done.push_back(std::string(kSvscanUnit) + " running (" + what + ")");
}

void restart_service(Host& host, const Activation& how, const std::string& service_dir,
                     const ServiceSpec& s, const std::string& why, Activated& out) {
  std::string link = service_dir + "/" + s.name;
  if (!how.live) {
    out.not_started.push_back("service " + s.name + " (" + why +
                              "): svscan starts it with the host");
    return;
  }
  Command svok;
  svok.argv = {"svok", link};
  if (!host.run(svok).ok()) {
    out.done.push_back("service " + s.name + " (" + why + "): svscan starts it within 5 s");
    return;
  }
  pyplug::run_checked(host, {"svc", "-t", link});
  out.done.push_back("service " + s.name + " restarted with svc -t (" + why + ")");
}

void restart_changed_services(Host& host, const Activation& how, const std::string& service_dir,
                              const std::vector<const ServiceSpec*>& services, Activated& out) {
  for (const ServiceSpec* s : services)
    if (changed_under(how, service_home(s->name)) ||
        changed_under(how, service_dir + "/" + s->name))
      restart_service(host, how, service_dir, *s, "its files changed", out);
}

}  // namespace daemontools
