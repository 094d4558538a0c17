// What a supervised service's directory holds, as text: pure functions of the config.
//
//   /etc/daemontools/<name>/run          the service (exec'd by supervise; stderr to the log)
//   /etc/daemontools/<name>/env/<VAR>    envdir's files, one variable each
//   /etc/daemontools/<name>/down         present when the service is supervised but not started
//   /etc/daemontools/<name>/supervise -> /var/lib/supervise/<name>      (supervise's state)
//   /etc/daemontools/<name>/log/run      multilog into /var/log/daemontools/<name>
//   /etc/daemontools/<name>/log/supervise -> /var/lib/supervise/<name>.log
//   <service_dir>/<name> -> /etc/daemontools/<name>       made last: svscan sees it complete
#pragma once

#include <string>

#include "service_config.hpp"

namespace daemontools {

std::string run_script(const ServiceSpec& s);
std::string log_run_script(const ServiceSpec& s, const std::string& log_user);
// envdir's file for one variable: the value and a newline (an empty file would unset it).
std::string env_file(const std::string& value);

}  // namespace daemontools
