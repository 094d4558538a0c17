#include "stand_in_master.hpp"

#include <sstream>

#include "host_tools.hpp"

namespace eggmonster {
using namespace bootstrap;

const char* const kStandInMaster = R"PY(
import socket, subprocess, sys, time
port, version, service, wait = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
def say(*words):
    print(*words, flush=True)
def shown(data):
    return repr(data.decode("utf-8", "replace"))
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    srv.bind(("127.0.0.1", port))
except OSError as e:
    say("cannot-listen", "bind 127.0.0.1:%d: %s" % (port, e.strerror))
    sys.exit(0)
srv.listen(8)
r = subprocess.run(["svc", "-t", service], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
if r.returncode:
    say("svc-failed", r.stdout.decode("utf-8", "replace").strip())
srv.settimeout(wait)
try:
    conn, _ = srv.accept()
except socket.timeout:
    say("no-connection")
    sys.exit(0)
say("connected")
conn.sendall(version.ljust(32).encode())
conn.settimeout(5)
got = b""
while b"\n" not in got:
    try:
        chunk = conn.recv(256)
    except socket.timeout:
        say("no-host-id", shown(got))
        sys.exit(0)
    if not chunk:
        say("closed-after-banner", shown(got))
        sys.exit(0)
    got += chunk
say("host-id", got.split(b"\n")[0].rstrip(b"\r").decode("utf-8", "replace"))
for _ in range(3):
    try:
        conn.sendall(b"noop\r\n")
    except OSError as e:
        say("closed-after-heartbeats", e.strerror)
        sys.exit(0)
    time.sleep(0.1)
conn.setblocking(False)
try:
    closed = conn.recv(1) == b""
except BlockingIOError:
    closed = False
say("closed-after-heartbeats" if closed else "heartbeats-answered")
)PY";

namespace {

// /etc/hosts with the master's name on 127.0.0.1, first so that it wins over the target's.
void point_at_loopback(Host& host, const std::string& name) {
  std::string hosts = host.read_file("/etc/hosts").value_or("");
  if (!hosts.empty() && hosts.back() != '\n') hosts += '\n';
  hosts = "127.0.0.1\t" + name + "\t# bootstrap checks: the stand-in eggmonster master\n" + hosts;
  host.write_file("/etc/hosts", hosts, 0644, 0, 0);
}

std::string where(const PhoneHome& p) {
  return p.master_host + ":" + std::to_string(p.launch_port);
}

std::string judge(const PhoneHome& p, const Seen& s, bool& passed) {
  passed = false;
  if (!s.listening) return "the stand-in master could not listen: " + s.listen_error;
  if (!s.connected) {
    std::string why = "no connection from the agent to " + where(p) + " within " +
                      std::to_string(static_cast<int>(p.wait_seconds)) + " s";
    if (p.host_is_address)
      why += " (" + p.master_host +
             " is an address, not a host name: the checks' sandbox "
             "has no route to it and cannot point it at a stand-in on loopback)";
    return why;
  }
  if (s.closed_after_banner)
    return "the agent closed the connection after the master's version banner (eggmonster " +
           p.version +
           ") without sending its host id: its own eggmonster version differs, so "
           "against a real master it would upgrade itself and exit";
  if (!s.sent_id) return "the agent connected but sent no host id line within 5 s";
  if (s.host_id != p.expected_id)
    return "the agent sent host id '" + s.host_id + "'; the baseline wants '" + p.expected_id +
           "' (" + p.id_source + ")";
  if (!s.heartbeats_answered) return "the agent dropped the connection during noop heartbeats";
  passed = true;
  return "the agent connected to " + where(p) + " as '" + s.host_id + "' (eggmonster " + p.version +
         ") and stayed connected through noop heartbeats";
}

}  // namespace

std::string phone_home_check_name(const std::string& host, int launch_port, const std::string& id) {
  return "the agent phones home: it connects to " + host + ":" + std::to_string(launch_port) +
         " as '" + id + "'";
}

Seen parse_seen(const std::string& output) {
  Seen s;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::string word = line.substr(0, line.find(' '));
    std::string rest = line.size() > word.size() ? line.substr(word.size() + 1) : "";
    if (word == "cannot-listen") {
      s.listening = false;
      s.listen_error = rest;
    } else if (word == "connected") {
      s.connected = true;
    } else if (word == "closed-after-banner") {
      s.closed_after_banner = true;
      s.after_banner = rest;
    } else if (word == "host-id") {
      s.sent_id = true;
      s.host_id = rest;
    } else if (word == "heartbeats-answered") {
      s.heartbeats_answered = true;
    } else if (word != "no-connection" && word != "no-host-id" &&
               word != "closed-after-heartbeats") {
      s.other += (s.other.empty() ? "" : "; ") + line;
    }
  }
  return s;
}

Check check_phones_home(Host& host, const PhoneHome& p,
                        const std::function<std::string()>& log_tail) {
  Check c{phone_home_check_name(p.master_host, p.launch_port, p.expected_id), false, ""};
  if (!p.host_is_address) point_at_loopback(host, p.master_host);
  Command cmd;
  cmd.argv = {p.python,
              "-c",
              kStandInMaster,
              std::to_string(p.launch_port),
              p.version,
              p.service_path,
              std::to_string(p.wait_seconds)};
  cmd.env = pyplug::python_env();
  cmd.timeout_seconds = p.wait_seconds + 15;
  CommandResult r = host.run(cmd);
  if (!r.ok()) {
    c.detail = pyplug::describe_failure({p.python, "-c", "<stand-in master>"}, r);
    return c;
  }
  Seen seen = parse_seen(r.output);
  c.detail = judge(p, seen, c.passed);
  if (!seen.other.empty()) c.detail += " (the stand-in also saw: " + seen.other + ")";
  if (!c.passed) c.detail += log_tail();
  c.headline = c.passed;
  return c;
}

}  // namespace eggmonster
