#include "supervise_checks.hpp"

#include <chrono>
#include <optional>
#include <thread>

#include "service_files.hpp"
#include "shell_quote.hpp"
#include "supervise_status.hpp"

namespace daemontools {
using namespace bootstrap;

namespace {

using Clock = std::chrono::steady_clock;

CommandResult run(Host& host, std::vector<std::string> argv) {
  Command c;
  c.argv = std::move(argv);
  c.timeout_seconds = 10;
  return host.run(c);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::optional<SuperviseStatus> status_of(Host& host, const std::string& dir) {
  auto bytes = host.read_file(dir + "/supervise/status");
  return bytes ? parse_supervise_status(*bytes) : std::nullopt;
}

unsigned pid_of(Host& host, const std::string& dir) {
  auto s = status_of(host, dir);
  return s ? s->pid : 0;
}

// Waits up to `seconds` for supervise to report a running process other than `not_pid`.
unsigned wait_for_pid(Host& host, const std::string& dir, double seconds, unsigned not_pid = 0) {
  auto until = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    unsigned pid = pid_of(host, dir);
    if (pid != 0 && pid != not_pid) return pid;
    if (Clock::now() >= until) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string log_tail(Host& host, const ServiceSpec& s) {
  if (!s.log) return "; it keeps no log ('log: false')";
  auto text = host.read_file(std::string(kLogRoot) + "/" + s.name + "/current");
  if (!text || text->empty())
    return "; its log " + std::string(kLogRoot) + "/" + s.name + "/current is empty";
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text->size()) {
    auto nl = text->find('\n', start);
    lines.push_back(text->substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::string out = "; last lines of its log:";
  for (std::size_t i = lines.size() > 8 ? lines.size() - 8 : 0; i < lines.size(); ++i)
    out += "\n  | " + lines[i];
  return out;
}

std::optional<unsigned> svscan_pid(Host& host, const std::string& service_dir) {
  for (const auto& name : host.list_dir("/proc")) {
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::optional<std::string> cmdline;
    try {
      cmdline = host.read_file("/proc/" + name + "/cmdline");
    } catch (const std::exception&) {
      continue;  // gone meanwhile
    }
    if (!cmdline) continue;
    std::vector<std::string> argv;
    for (std::size_t at = 0; at < cmdline->size();) {
      auto end = cmdline->find('\0', at);
      argv.push_back(cmdline->substr(at, end - at));
      if (end == std::string::npos) break;
      at = end + 1;
    }
    if (argv.size() >= 2 && argv[0].substr(argv[0].rfind('/') + 1) == "svscan" &&
        argv[1] == service_dir)
      return static_cast<unsigned>(std::stoul(name));
  }
  return std::nullopt;
}

struct Watched {
  const ServiceSpec* spec;
  std::string dir;
  unsigned first_pid = 0;
};

void check_down(Host& host, const ServiceSpec& s, const std::string& dir,
                std::vector<Check>& checks) {
  bool supervised = run(host, {"svok", dir}).ok();
  unsigned pid = pid_of(host, dir);
  std::string svstat = trimmed(run(host, {"svstat", dir}).output);
  checks.push_back(
      {"service " + s.name + " is supervised and down, as configured", supervised && pid == 0,
       !supervised ? "svok: supervise is not running for " + dir
       : pid != 0  ? "it runs (pid " + std::to_string(pid) + ") although it has a ./down file"
                   : svstat});
}

// Before the stability wait: supervised, and up.
void check_started(Host& host, Watched& w, std::vector<Check>& checks) {
  const std::string& name = w.spec->name;
  CommandResult ok = run(host, {"svok", w.dir});
  checks.push_back({"service " + name + " is supervised (svok)", ok.ok(),
                    ok.ok() ? ""
                            : "svok " + w.dir + " exited " + std::to_string(ok.exit_status) +
                                  ": supervise is not running"});
  w.first_pid = wait_for_pid(host, w.dir, 2.0);
  std::string svstat = trimmed(run(host, {"svstat", w.dir}).output);
  bool up = w.first_pid != 0 && svstat.find(": up (pid ") != std::string::npos;
  checks.push_back(
      {"service " + name + " is up (svstat)", up, up ? svstat : svstat + log_tail(host, *w.spec)});
}

// After it: the same process, its log, and a restart by supervise.
void check_stable(Host& host, const Watched& w, std::vector<Check>& checks) {
  const ServiceSpec& s = *w.spec;
  unsigned now_pid = pid_of(host, w.dir);
  bool stable = w.first_pid != 0 && now_pid == w.first_pid;
  std::string detail = "pid " + std::to_string(now_pid);
  if (!stable)
    detail = "pid " + std::to_string(w.first_pid) + ", then " +
             (now_pid ? "pid " + std::to_string(now_pid) : "not running") + " after " +
             std::to_string(kStableSeconds).substr(0, 3) +
             " s: it keeps dying and supervise restarts it (a crash loop)" + log_tail(host, s);
  checks.push_back({"service " + s.name + " stays up (same pid after " +
                        std::to_string(kStableSeconds).substr(0, 3) + " s)",
                    stable, detail});
  if (s.log) {
    bool log_ok = run(host, {"svok", w.dir + "/log"}).ok();
    unsigned log_pid = pid_of(host, w.dir + "/log");
    checks.push_back({"service " + s.name + "'s log (multilog) is up", log_ok && log_pid != 0,
                      log_ok && log_pid
                          ? "pid " + std::to_string(log_pid) + ", into " + kLogRoot + "/" + s.name
                          : trimmed(run(host, {"svstat", w.dir + "/log"}).output)});
  }
  if (!stable) return;
  CommandResult t = run(host, {"svc", "-t", w.dir});
  unsigned new_pid = t.ok() ? wait_for_pid(host, w.dir, 5.0, now_pid) : 0;
  checks.push_back(
      {"service " + s.name + " is restarted by supervise (svc -t gives a new pid)", new_pid != 0,
       new_pid ? "pid " + std::to_string(now_pid) + " -> " + std::to_string(new_pid)
               : (t.ok() ? "no new pid within 5 s" : "svc -t failed: " + trimmed(t.output)) +
                     log_tail(host, s)});
}

}  // namespace

std::string all_supervised_script(const std::string& service_dir) {
  return "for d in " + pluginkit::shell_quote(service_dir) +
         "/*/; do [ -d \"$d\" ] || continue; svok \"$d\" || exit 1; "
         "[ ! -d \"${d}log\" ] || svok \"${d}log\" || exit 1; done";
}

void check_running(Host& host, const std::string& service_dir,
                   const std::vector<const ServiceSpec*>& services, std::vector<Check>& checks) {
  std::vector<Watched> watched;
  for (const ServiceSpec* s : services) {
    std::string dir = service_dir + "/" + s->name;
    if (s->down)
      check_down(host, *s, dir, checks);
    else
      watched.push_back({s, dir, 0});
  }
  if (watched.empty()) return;
  for (auto& w : watched) check_started(host, w, checks);
  std::this_thread::sleep_for(std::chrono::duration<double>(kStableSeconds));
  for (const auto& w : watched) check_stable(host, w, checks);
}

std::vector<Check> check_supervision(Host& host, const DaemontoolsConfig& config) {
  std::vector<Check> checks;
  auto svscan = svscan_pid(host, config.service_dir);
  checks.push_back(
      {"svscan supervises " + config.service_dir, svscan.has_value(),
       svscan ? "pid " + std::to_string(*svscan) : "no svscan process for " + config.service_dir});
  std::vector<const ServiceSpec*> services;
  for (const auto& s : config.services) services.push_back(&s);
  check_running(host, config.service_dir, services, checks);
  return checks;
}

std::string service_log_tail(Host& host, const ServiceSpec& s) { return log_tail(host, s); }

}  // namespace daemontools
