// Configuring a baseline's steps with their plugins, and applying them to a Host.
#pragma once

#include <cstdint>
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
// step (unknown plugin, with the known ones), where the plugin says (bad config), or at a
// step whose plugin requires another plugin's step earlier in the baseline when there is none.
ConfiguredBaseline configure_baseline(const Baseline& baseline, const PluginHost& plugins);

struct StepReport {
  int index = 0;
  std::string plugin;
  Outcome changes;
  std::vector<Check> checks;
  std::optional<std::string> error;  // apply or verify could not run
  std::vector<std::string> notes;    // worth telling, not a failure ("left 1 process running...")
  double seconds = 0;
  // When its apply ended (CLOCK_REALTIME, ns): everything it wrote has a ctime up to this, and
  // everything the next step writes a later one. Set only when asked (StepsRequest::mark_steps).
  std::int64_t ended_ns = 0;
  Activated activated;  // apply --for-real: what its activate() did and did not start
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

// Applies one step: the plugin's apply, then every process the step left running is ended
// (this process must be a subreaper: become_subreaper()) and named in a note.
StepReport apply_step(ConfiguredStep& step, Host& host);

// Activates one step once a commit is done (apply --for-real): the plugin's activate(); a
// failure is the report's error.
StepReport activate_step(ConfiguredStep& step, Host& host, const Activation& how);

// The services the steps declare, in step order; a plugin that fails to say is an error
// naming it.
struct StepService;
std::vector<StepService> services_of(ConfiguredBaseline& baseline, const std::vector<int>& steps);

// Applies the steps in order, stopping at the first that fails; then, when `verify` is set
// and everything applied, runs every step's checks. Services are not started here (this is
// apply --root, on a directory of this machine): a step that declares services is not
// verified, and says so in a note. Ends what each step leaves running (becomes a subreaper).
ApplyReport apply_baseline(ConfiguredBaseline& baseline, Host& host, bool verify,
                           const StepProgress& progress = {});

// "fslayout (step 1)"
std::string step_name(const Step& step);

}  // namespace bootstrap
