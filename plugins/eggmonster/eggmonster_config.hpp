// The eggmonster step's configuration, validated.
//
//   - eggmonster:
//       master: http://eggmaster.example.org:8000   # EGGMONSTER_MASTER: control port; launch +1
//       cheeseshop: http://pypi.example.org/simple   # EGGMONSTER_CHEESESHOP
//       package: eggmonster==6.1                     # the agent's distribution
//       find_links: eggs                             # offline install (else from cheeseshop)
//       python: /usr/bin/python3                     # the venv is made from it
//       venv: /opt/eggmonster
//       user: eggmonster                             # apps run as it; created when missing
//       host_id: hostname                            # or a fixed id (monster_launchd -i)
//       service_dir: /etc/service                    # the daemontools step's
//       log_user: multilog                           # the daemontools step's
#pragma once

#include <string>

#include "bootstrap/plugin.hpp"
#include "service_config.hpp"
#include "venv.hpp"

namespace eggmonster {

// The master's URL and the ports the agent derives from it (eggmonster's emenv rules).
struct MasterUrl {
  std::string url;                              // as written: what EGGMONSTER_MASTER gets
  std::string host;                             // "eggmaster.example.org", "10.0.0.5", "::1"
  int port = 0;                                 // control API
  int launch_port() const { return port + 1; }  // where monster_launchd connects
  bool host_is_address() const;                 // an IP literal: no name to point at a stand-in
};
// Throws ConfigError at v's mark: no scheme, no port (the agent would use 80/81), a bad host.
MasterUrl parse_master(const bootstrap::Value& v);

inline constexpr const char* kHostnameId = "hostname";

struct EggmonsterConfig {
  MasterUrl master;
  std::string cheeseshop;
  pyplug::Requirement package;
  pyplug::Venv venv;  // path, python, {package}, find_links
  std::string user = "eggmonster";
  std::string host_id;  // "" : the node's name (no -i)
  std::string service_dir = "/etc/service";
  std::string log_user = "multilog";
  bootstrap::SourceMark mark;         // the step's
  bootstrap::SourceMark python_mark;  // 'python' when given, else the step's
};

EggmonsterConfig parse_eggmonster(const bootstrap::StepConfig& step);

// The agent's daemontools service: monster_launchd -u USER [-i HOST_ID] with its envdir and log,
// its files under /etc/eggmonster/launchd (not /etc/daemontools, which the daemontools step owns).
inline constexpr const char* kServiceName = "eggmonster-launchd";
daemontools::ServiceSpec launchd_service(const EggmonsterConfig& c);

}  // namespace eggmonster
