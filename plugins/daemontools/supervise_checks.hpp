// The daemontools step's checks: svscan runs, every service is up and stays up, its log is
// up, supervise really restarts it; a 'down' service is not running.
#pragma once

#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"
#include "service_config.hpp"

namespace daemontools {

// A shell script that exits 0 once supervise runs for every service (and log) in `service_dir`.
std::string all_supervised_script(const std::string& service_dir);

std::vector<bootstrap::Check> check_supervision(bootstrap::Host& host,
                                                const DaemontoolsConfig& config);

// For each service linked into service_dir: supervised and up, the same pid after
// kStableSeconds, its log up, and restarted by supervise on svc -t; a 'down' one not running.
void check_running(bootstrap::Host& host, const std::string& service_dir,
                   const std::vector<const ServiceSpec*>& services,
                   std::vector<bootstrap::Check>& checks);

// "; last lines of its log:\n  | ..." (or why there are none), for a failing check's detail.
std::string service_log_tail(bootstrap::Host& host, const ServiceSpec& s);

// How long a service's pid must stay the same to count as up and not crash-looping
// (supervise restarts a dead service after 1 s).
inline constexpr double kStableSeconds = 1.1;

}  // namespace daemontools
