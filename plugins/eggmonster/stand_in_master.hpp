// The phone-home check: a stand-in eggmonster master on loopback in the checks' sandbox.
//
// It speaks the master's side of the launch protocol: listens on the launch port, sends its
// version banner (32 bytes, left-justified), reads the agent's host id line, sends `noop`
// heartbeats and sees that the agent stays connected. The master's host name is pointed at
// 127.0.0.1 in the sandbox's /etc/hosts (thrown away with the sandbox), and the agent is
// restarted (svc -t) so that it connects now rather than at its next 5 s retry.
#pragma once

#include <functional>
#include <string>

#include "bootstrap/plugin.hpp"

namespace eggmonster {

struct PhoneHome {
  std::string python;       // runs the stand-in (the target's interpreter)
  std::string master_host;  // as in the URL
  bool host_is_address = false;
  int launch_port = 0;
  std::string version;       // the banner: the eggmonster version the agent must run
  std::string expected_id;   // the host id the agent must send
  std::string id_source;     // "host_id: node-7", "the node's name (host_id: hostname)"
  std::string service_path;  // service_dir/eggmonster-launchd, for svc -t
  double wait_seconds = 10;  // for the agent's connection
};

// What the stand-in saw, as one line per event ("connected", "host-id node-7", ...).
struct Seen {
  bool listening = true;
  std::string listen_error;
  bool connected = false;
  bool sent_id = false;
  std::string host_id;
  std::string after_banner;  // bytes the agent sent before closing, when it closed
  bool closed_after_banner = false;
  bool heartbeats_answered = false;
  std::string other;  // anything else the stand-in reported
};
Seen parse_seen(const std::string& output);

// Points the master's name at loopback, runs the stand-in, and judges what it saw.
// `log_tail` gives what a failure's detail ends with (the agent's last log lines).
bootstrap::Check check_phones_home(bootstrap::Host& host, const PhoneHome& p,
                                   const std::function<std::string()>& log_tail);

// "the agent phones home: it connects to HOST:PORT as 'ID'"
std::string phone_home_check_name(const std::string& host, int launch_port, const std::string& id);

// The stand-in's program (Python 3): argv port version service_path wait_seconds.
extern const char* const kStandInMaster;

}  // namespace eggmonster
