#include "bootstrap/sandboxed_steps.hpp"

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "../process/leftovers.hpp"
#include "../process/services.hpp"
#include "bootstrap/root_host.hpp"

namespace bootstrap {
namespace {
using nlohmann::json;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void send(int fd, const json& j) {
  std::string line = j.dump() + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

json changes_json(const Outcome& out) {
  json a = json::array();
  for (const Change& c : out)
    a.push_back({{"kind", static_cast<int>(c.kind)}, {"what", c.what}, {"detail", c.detail}});
  return a;
}

Outcome changes_from(const json& a) {
  Outcome out;
  for (const auto& c : a)
    out.push_back({static_cast<ChangeKind>(c.at("kind").get<int>()), c.at("what"), c.at("detail")});
  return out;
}

// Apply runs with loopback only; a step that reached for the network should hear why it failed.
std::string offline_hint(const std::string& message) {
  for (const char* sign : {"Temporary failure resolving", "Temporary failure in name resolution",
                           "Could not resolve", "Network is unreachable", "Failed to fetch",
                           "Name or service not known", "Could not connect"})
    if (message.find(sign) != std::string::npos)
      return "\n  the apply phase has no network (loopback only): a plugin declares what it must "
             "download in fetch(), which runs before apply with the network";
  return "";
}

void send_verified(int fd, int step, const std::vector<Check>& checks, double seconds,
                   const std::string& error) {
  json cj = json::array();
  for (const Check& c : checks)
    cj.push_back(
        {{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}, {"headline", c.headline}});
  json j = {{"event", "verified"}, {"step", step}, {"checks", cj}, {"seconds", seconds}};
  if (!error.empty()) j["error"] = error;
  send(fd, j);
}

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Now, once the clock file times come from (coarse, or finer) has passed it.
std::int64_t step_mark() {
  std::int64_t mark = clock_ns(CLOCK_REALTIME);
  while (clock_ns(CLOCK_REALTIME_COARSE) <= mark) ::usleep(500);
  return mark;
}

bool apply_steps(ConfiguredBaseline& baseline, const StepsRequest& request, Host& host, int fd) {
  for (int i : request.apply) {
    ConfiguredStep& s = step_at(baseline, i);
    send(fd, {{"event", "start"}, {"step", i}});
    StepReport r = apply_step(s, host);
    json j = {{"event", "applied"},
              {"step", i},
              {"changes", changes_json(r.changes)},
              {"seconds", r.seconds},
              {"notes", r.notes}};
    if (request.mark_steps) j["ended_ns"] = step_mark();
    if (r.error) j["error"] = *r.error + offline_hint(*r.error);
    send(fd, j);
    if (r.error) return false;
  }
  return true;
}

// The services of the steps to verify, started in step order; then each step's checks (a
// step whose service did not come up is failed with the service's problem instead).
void verify_steps(ConfiguredBaseline& baseline, const std::vector<int>& steps, Host& host, int fd) {
  RunningServices services;
  std::map<int, std::string> problems;
  auto declared = services_of(baseline, steps);
  if (!declared.empty()) {
    for (auto& p : services.start(declared))
      problems[p.step] += (problems[p.step].empty() ? "" : "\n") + p.message;
    send(fd, {{"event", "services"},
              {"count", declared.size()},
              {"seconds", services.seconds_to_ready()}});
  }
  for (int i : steps) {
    ConfiguredStep& s = step_at(baseline, i);
    send(fd, {{"event", "start"}, {"step", i}});
    if (auto p = problems.find(i); p != problems.end()) {
      send_verified(fd, i, {}, 0, p->second);
      continue;
    }
    double t0 = now();
    std::vector<Check> checks;
    Status st = s.instance.port().verify(host, checks);
    send_verified(fd, i, checks, now() - t0,
                  st ? "plugin " + step_name(s.step) + " failed to verify: " + st->message : "");
  }
  services.stop();
}

void activate_steps(ConfiguredBaseline& baseline, const StepsRequest& request, Host& host, int fd) {
  for (int i : request.activate) {
    ConfiguredStep& s = step_at(baseline, i);
    send(fd, {{"event", "start"}, {"step", i}});
    Activation how;
    if (auto it = request.changed.find(i); it != request.changed.end()) how.changed = it->second;
    StepReport r = activate_step(s, host, how);
    json j = {{"event", "activated"},
              {"step", i},
              {"done", r.activated.done},
              {"not_started", r.activated.not_started},
              {"seconds", r.seconds}};
    if (r.error) j["error"] = *r.error;
    send(fd, j);
  }
}

// The sandbox's main process: apply, activate, then verify, reporting each step as it goes.
int run_steps(ConfiguredBaseline& baseline, const StepsRequest& request, int fd) {
  become_subreaper();
  RootHost host("/", [fd](LogLevel level, std::string_view message) {
    send(fd, {{"event", "log"}, {"level", static_cast<int>(level)}, {"message", message}});
  });
  if (!apply_steps(baseline, request, host, fd)) return 1;
  activate_steps(baseline, request, host, fd);
  verify_steps(baseline, request.verify, host, fd);
  return 0;
}

}  // namespace

bool StepsResult::ok() const {
  if (!crash.empty()) return false;
  for (const auto& r : applied)
    if (r.error) return false;
  for (const auto& r : verified)
    if (!r.passed_checks()) return false;
  return true;
}

SandboxedSteps::SandboxedSteps(sandbox::Sandbox sandbox, const ConfiguredBaseline& baseline)
    : sandbox_(std::move(sandbox)), baseline_(&baseline), started_(now()) {}

SandboxedSteps SandboxedSteps::start(ConfiguredBaseline& baseline, const sandbox::Spec& spec,
                                     StepsRequest request) {
  ConfiguredBaseline* b = &baseline;
  auto sb =
      sandbox::Sandbox::start(spec, [b, request](int fd) { return run_steps(*b, request, fd); });
  return SandboxedSteps(std::move(sb), baseline);
}

StepsResult SandboxedSteps::finish() {
  sandbox::Result r = sandbox_.wait();
  StepsResult out;
  out.seconds = now() - started_;
  int running = -1;
  std::size_t pos = 0;
  const std::string& data = r.data;
  while (pos < data.size()) {
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // a torn last line: the process died mid-write
    json j = json::parse(data.begin() + static_cast<long>(pos),
                         data.begin() + static_cast<long>(nl), nullptr, false);
    pos = nl + 1;
    if (j.is_discarded()) continue;
    std::string event = j.value("event", "");
    int step = j.value("step", -1);
    if (event == "services") {
      out.services_seconds = j.value("seconds", 0.0);
      out.services = j.value("count", 0);
    } else if (event == "start") {
      running = step;
    } else if (event == "applied" || event == "verified" || event == "activated") {
      running = -1;
      StepReport rep;
      rep.index = step;
      rep.plugin = step_at(*baseline_, step).step.plugin;
      rep.seconds = j.value("seconds", 0.0);
      rep.ended_ns = j.value("ended_ns", std::int64_t{0});
      if (j.contains("error")) rep.error = j["error"].get<std::string>();
      if (j.contains("notes"))
        for (const auto& n : j["notes"]) rep.notes.push_back(n.get<std::string>());
      if (event == "applied") {
        rep.changes = changes_from(j["changes"]);
        out.applied.push_back(std::move(rep));
      } else if (event == "activated") {
        rep.activated.done = j.value("done", std::vector<std::string>{});
        rep.activated.not_started = j.value("not_started", std::vector<std::string>{});
        out.activated.push_back(std::move(rep));
      } else {
        for (const auto& c : j["checks"])
          rep.checks.push_back({c["name"], c["passed"], c["detail"], c.value("headline", false)});
        out.verified.push_back(std::move(rep));
      }
    }
  }
  if (r.status != 0 && running >= 0) {
    out.crash = r.describe();
    out.crashed_step = running;
    StepReport rep;
    rep.index = running;
    rep.plugin = step_at(*baseline_, running).step.plugin;
    rep.error = "plugin " + step_name(step_at(*baseline_, running).step) +
                " crashed: the sandbox process " + r.describe();
    out.applied.push_back(std::move(rep));
  } else if (r.status != 0 && out.ok()) {
    out.crash = "the sandbox process " + r.describe();
  }
  return out;
}

}  // namespace bootstrap
