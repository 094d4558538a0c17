// apply --for-real's activation of supervised services: svscan handed to the host's init
// (Debian's daemontools-run.service), and each service whose files the commit changed restarted
// (svc -t), so that it runs what was committed. svscan itself starts a new service within 5 s.
#pragma once

#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"
#include "service_config.hpp"

namespace daemontools {

inline constexpr const char* kSvscanUnit = "daemontools-run.service";

// svscan: started with systemctl on a live systemd host; otherwise named as not started, with
// who starts it (the unit, when it is enabled in the target).
void activate_svscan(bootstrap::Host& host, const bootstrap::Activation& how,
                     const std::string& service_dir, bootstrap::Activated& out);

// Whether the commit changed `dir` or anything under it.
bool changed_under(const bootstrap::Activation& how, const std::string& dir);

// Service s restarted (svc -t) because `why`, when live and supervised; otherwise said why not.
void restart_service(bootstrap::Host& host, const bootstrap::Activation& how,
                     const std::string& service_dir, const ServiceSpec& s, const std::string& why,
                     bootstrap::Activated& out);

// `services` whose files are among how.changed, restarted (restart_service).
void restart_changed_services(bootstrap::Host& host, const bootstrap::Activation& how,
                              const std::string& service_dir,
                              const std::vector<const ServiceSpec*>& services,
                              bootstrap::Activated& out);

}  // namespace daemontools
