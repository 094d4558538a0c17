// Configuring a baseline's steps with their plugins, and applying them to a Host.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/baseline.hpp"
#include "bootstrap/plugin_host.hpp"

namespace bootstrap {

struct ConfiguredStep {
  Step step;
  PluginInstance instance;
};

struct ConfiguredBaseline {
  Baseline baseline;
  std::vector<ConfiguredStep> steps;
};

// The step whose index (its position in the baseline file) is `index`; steps may have been
// filtered (apply --only), so this is not a position in `steps`.
ConfiguredStep& step_at(ConfiguredBaseline& baseline, int index);
const ConfiguredStep& step_at(const ConfiguredBaseline& baseline, int index);

// Creates one plugin instance per step and hands it its config. Throws ConfigError at the
// step (unknown plugin, with the known ones) or where the plugin says (bad config).
ConfiguredBaseline configure_baseline(const Baseline& baseline, const PluginHost& plugins);

struct StepReport {
  int index = 0;
  std::string plugin;
  Outcome changes;
  std::vector<Check> checks;
  std::optional<std::string> error;  // apply or verify could not run
  double seconds = 0;
  bool passed_checks() const;
};

struct ApplyReport {
  std::vector<StepReport> steps;
  bool applied() const;   // no step failed to apply
  bool verified() const;  // and every check passed
  std::size_t count(ChangeKind kind) const;
  std::size_t changes() const;
};

enum class Phase { Apply, Verify };
using StepProgress = std::function<void(const Step&, Phase)>;

// Applies the steps in order, stopping at the first that fails; then, when `verify` is set
// and everything applied, runs every step's checks.
ApplyReport apply_baseline(ConfiguredBaseline& baseline, Host& host, bool verify,
                           const StepProgress& progress = {});

// "fslayout (step 1)"
std::string step_name(const Step& step);

}  // namespace bootstrap
