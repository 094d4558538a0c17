// Writing one supervised service into the target: its directory (run, env/, down, log/),
// supervise's state directories, and its log folder. The daemontools step writes its services
// with these, and so does a plugin whose own service runs under svscan (eggmonster's agent).
#pragma once

#include <string>

#include "bootstrap/plugin.hpp"
#include "service_config.hpp"

namespace daemontools {

// The log user (owner of kLogRoot/<name>), a system account, created when missing.
void ensure_log_user(bootstrap::Host& host, const std::string& log_user, bootstrap::Outcome& out);

// kServicesRoot, kSuperviseRoot and (for services with a log) kLogRoot.
void ensure_service_roots(bootstrap::Host& host, bool logs, bootstrap::Outcome& out);

// Everything of s under s.home, and its state and log folders; not the link in the service
// directory (see enable_service).
void write_service(bootstrap::Host& host, const ServiceSpec& s, const std::string& log_user,
                   bootstrap::Outcome& out);

// service_dir/<name> -> s.home: svscan starts supervising it within 5 s. Make it last, when
// everything else of the service is in place.
void enable_service(bootstrap::Host& host, const std::string& service_dir, const ServiceSpec& s,
                    bootstrap::Outcome& out);

}  // namespace daemontools
