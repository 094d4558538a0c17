// The daemontools step's configuration, validated.
//
//   - daemontools:
//       source: distro            # or repository (+ repository, key, package)
//       service_dir: /etc/service
//       log_user: multilog        # owns /var/log/daemontools/<name>; created when missing
//       services:
//         - {name: dragoman, run: [/srv/.../dragoman-node, --port, "8080"], user: nobody,
//            directory: /srv/apps/dragoman, env: {K: V}, log: true, down: false}
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"
#include "host_tools.hpp"

namespace daemontools {

struct ServiceSpec {
  std::string name;              // [a-z0-9][a-z0-9._-]*
  std::vector<std::string> run;  // run[0] absolute
  std::string user;              // "" : root
  std::string directory;         // "" : the service directory
  std::map<std::string, std::string> env;
  bool log = true;
  bool down = false;
  // Where its files live: /etc/daemontools/<name> for the daemontools step's own services;
  // another plugin's service (eggmonster's agent) keeps them under its own folder.
  std::string home;
  bootstrap::SourceMark mark;       // the service's entry
  bootstrap::SourceMark user_mark;  // its 'user' value
};

struct DaemontoolsConfig {
  std::vector<std::string> packages = {"daemontools", "daemontools-run"};
  std::optional<pyplug::AptRepo> repo;
  std::string service_dir = "/etc/service";
  std::string log_user = "multilog";
  std::vector<ServiceSpec> services;
};

// Throws bootstrap::ConfigError with the mark of the offending value.
DaemontoolsConfig parse_daemontools(const bootstrap::StepConfig& step);

// Where bootstrap keeps what it writes for a service (the service directory svscan sees
// through service_dir/<name>, supervise's state, and multilog's files).
inline constexpr const char* kServicesRoot = "/etc/daemontools";
inline constexpr const char* kSuperviseRoot = "/var/lib/supervise";
inline constexpr const char* kLogRoot = "/var/log/daemontools";
inline std::string service_home(const std::string& name) {
  return std::string(kServicesRoot) + "/" + name;
}

}  // namespace daemontools
