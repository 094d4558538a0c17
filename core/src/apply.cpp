#include "bootstrap/apply.hpp"

#include <algorithm>
#include <chrono>

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
  return const_cast<ConfiguredStep&>(step_at(static_cast<const ConfiguredBaseline&>(baseline), index));
}

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
    StepConfig config{step.config, baseline.dir().string(), step.index};
    if (Status failure = instance.port().configure(config)) {
      if (failure->mark) throw ConfigError(*failure->mark, failure->message);
      throw ConfigError(step.mark, step.plugin + ": " + failure->message);
    }
    out.steps.push_back(ConfiguredStep{step, std::move(instance)});
  }
  return out;
}

bool StepReport::passed_checks() const {
  return !error && std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; });
}

bool ApplyReport::applied() const {
  return std::none_of(steps.begin(), steps.end(), [](const StepReport& s) { return s.error.has_value(); });
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

ApplyReport apply_baseline(ConfiguredBaseline& baseline, Host& host, bool verify,
                           const StepProgress& progress) {
  using Clock = std::chrono::steady_clock;
  ApplyReport report;
  for (ConfiguredStep& s : baseline.steps) {
    if (progress) progress(s.step, Phase::Apply);
    StepReport r;
    r.index = s.step.index;
    r.plugin = s.step.plugin;
    auto start = Clock::now();
    if (Status failure = s.instance.port().apply(host, r.changes))
      r.error = "plugin " + step_name(s.step) + " failed to apply: " + failure->message;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    report.steps.push_back(std::move(r));
    if (report.steps.back().error) return report;
  }
  if (!verify) return report;
  for (std::size_t i = 0; i < baseline.steps.size(); ++i) {
    ConfiguredStep& s = baseline.steps[i];
    if (progress) progress(s.step, Phase::Verify);
    auto start = Clock::now();
    StepReport& r = report.steps[i];
    if (Status failure = s.instance.port().verify(host, r.checks))
      r.error = "plugin " + step_name(s.step) + " failed to verify: " + failure->message;
    r.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  }
  return report;
}

}  // namespace bootstrap
