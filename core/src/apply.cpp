#include "bootstrap/apply.hpp"

#include <algorithm>
#include <chrono>

#include "process/leftovers.hpp"
#include "process/services.hpp"

namespace bootstrap {

std::string step_name(const Step& step) {
  return step.plugin + " (step " + std::to_string(step.index + 1) + ")";
}

const ConfiguredStep& step_at(const ConfiguredBaseline& baseline, int index) {
  for (const auto& s : baseline.steps)
    if (s.step.index == index) return s;
  throw std::out_of_range("no step " + std::to_string(index + 1));
}

ConfiguredStep& step_at(ConfiguredBaseline& baseline, int index) {
  return const_cast<ConfiguredStep&>(
      step_at(static_cast<const ConfiguredBaseline&>(baseline), index));
}

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Every plugin `step` requires has a step before it (baseline.steps ends with `step`).
void check_requirements(const ConfiguredBaseline& baseline, ConfiguredStep& step) {
  std::vector<std::string> required;
  if (Status failure = step.instance.port().required_plugins(required))
    throw ConfigError(step.step.mark, step.step.plugin + ": " + failure->message);
  for (const auto& name : required) {
    bool earlier = std::any_of(baseline.steps.begin(), baseline.steps.end() - 1,
                               [&](const ConfiguredStep& s) { return s.step.plugin == name; });
    if (earlier) continue;
    std::string later;
    for (const auto& s : baseline.baseline.steps)
      if (s.index > step.step.index && s.plugin == name && later.empty())
        later = " (step " + std::to_string(s.index + 1) + " comes after it; move it before)";
    throw ConfigError(step.step.mark,
                      step.step.plugin + " needs a " + name + " step earlier in the baseline" +
                          (later.empty() ? "; add '- " + name + ":' before this step" : later));
  }
}

}  // namespace

ConfiguredBaseline configure_baseline(const Baseline& baseline, const PluginHost& plugins) {
  ConfiguredBaseline out{baseline, {}};
  for (const Step& step : baseline.steps) {
    if (!plugins.has(step.plugin)) {
      try {
        plugins.get(step.plugin);
      } catch (const std::exception& e) {
        throw ConfigError(step.mark, e.what());
      }
    }
    PluginInstance instance = plugins.create(step.plugin);
    StepConfig config{step.config, baseline.dir().string(), step.index, baseline.read_outside};
    if (Status failure = instance.port().configure(config)) {
      if (failure->mark) throw ConfigError(*failure->mark, failure->message);
      throw ConfigError(step.mark, step.plugin + ": " + failure->message);
    }
    out.steps.push_back(ConfiguredStep{step, std::move(instance)});
    check_requirements(out, out.steps.back());
  }
  return out;
}

bool StepReport::passed_checks() const {
  return !error &&
         std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; });
}

bool ApplyReport::applied() const {
  return std::none_of(steps.begin(), steps.end(),
                      [](const StepReport& s) { return s.error.has_value(); });
}

bool ApplyReport::verified() const {
  return applied() && std::all_of(steps.begin(), steps.end(),
                                  [](const StepReport& s) { return s.passed_checks(); });
}

std::size_t ApplyReport::count(ChangeKind kind) const {
  std::size_t n = 0;
  for (const auto& s : steps)
    n += static_cast<std::size_t>(std::count_if(s.changes.begin(), s.changes.end(),
                                                [&](const Change& c) { return c.kind == kind; }));
  return n;
}

std::size_t ApplyReport::changes() const {
  std::size_t n = 0;
  for (const auto& s : steps) n += s.changes.size();
  return n;
}

StepReport apply_step(ConfiguredStep& s, Host& host) {
  StepReport r;
  r.index = s.step.index;
  r.plugin = s.step.plugin;
  auto start = Clock::now();
  if (Status failure = s.instance.port().apply(host, r.changes))
    r.error = "plugin " + step_name(s.step) + " failed to apply: " + failure->message;
  if (auto left = end_descendants(); !left.empty())
    r.notes.push_back("step " + std::to_string(s.step.index + 1) + " " + s.step.plugin + " left " +
                      describe_left(left, "after apply") +
                      (left.size() == 1 ? "; it was stopped" : "; they were stopped"));
  r.seconds = since(start);
  return r;
}

StepReport activate_step(ConfiguredStep& s, Host& host, const Activation& how) {
  StepReport r;
  r.index = s.step.index;
  r.plugin = s.step.plugin;
  auto start = Clock::now();
  if (Status failure = s.instance.port().activate(host, how, r.activated))
    r.error = "plugin " + step_name(s.step) + " failed to activate: " + failure->message;
  r.seconds = since(start);
  return r;
}

std::vector<StepService> services_of(ConfiguredBaseline& baseline, const std::vector<int>& steps) {
  std::vector<StepService> out;
  for (int i : steps) {
    ConfiguredStep& s = step_at(baseline, i);
    std::vector<Service> declared;
    if (Status failure = s.instance.port().services(declared))
      throw std::runtime_error("plugin " + step_name(s.step) +
                               " failed to say which services it needs: " + failure->message);
    for (auto& service : declared) out.push_back({i, step_name(s.step), std::move(service)});
  }
  return out;
}

ApplyReport apply_baseline(ConfiguredBaseline& baseline, Host& host, bool verify,
                           const StepProgress& progress) {
  become_subreaper();
  ApplyReport report;
  for (ConfiguredStep& s : baseline.steps) {
    if (progress) progress(s.step, Phase::Apply);
    report.steps.push_back(apply_step(s, host));
    if (report.steps.back().error) return report;
  }
  if (!verify) return report;
  for (std::size_t i = 0; i < baseline.steps.size(); ++i) {
    ConfiguredStep& s = baseline.steps[i];
    StepReport& r = report.steps[i];
    auto services = services_of(baseline, {s.step.index});
    if (!services.empty()) {
      r.notes.push_back(step_name(s.step) + " was not verified: its checks need the service " +
                        services.front().service.name +
                        ", which apply --root does not start on this machine; 'bootstrap check' or "
                        "'apply --image' runs them");
      continue;
    }
    if (progress) progress(s.step, Phase::Verify);
    auto start = Clock::now();
    if (Status failure = s.instance.port().verify(host, r.checks))
      r.error = "plugin " + step_name(s.step) + " failed to verify: " + failure->message;
    r.seconds += since(start);
    end_descendants();
  }
  return report;
}

}  // namespace bootstrap
