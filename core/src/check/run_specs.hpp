// What a check's runs share: the context they run in, the sandboxes (layers over the fetch
// layer and the image, and where their changes go), and the test of a cached layer. Internal to
// check.cpp, run_a.cpp and run_b.cpp.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bootstrap/check.hpp"
#include "bootstrap/ignore_rules.hpp"
#include "bootstrap/layer_cache.hpp"
#include "bootstrap/manifest.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandboxed_steps.hpp"

namespace bootstrap {

// The index spaces of a check, kept apart by their names:
//   StepPosition  a step's place in the baseline's list, 0-based (StepConfig::step_index, the
//                 index of `keys`, of ReleaseReport::steps);
//   "step N"      what users read: step_name(), 1-based;
//   layer depth   a layer's place in a LayerStack (top-most first), which squashing changes.
using StepPosition = std::size_t;

// What run A and run B are given by the check.
struct RunContext {
  ConfiguredBaseline* baseline;
  const std::vector<std::string>* keys;  // each step's chain key, by StepPosition
  std::filesystem::path fetch;           // the fetch layer, or empty
  const sandbox::Image* image;
  sandbox::Spec base;  // what every sandbox of the check shares
  CheckOptions options;
  LayersInUse* in_use;
  // How the runs' layers are read: mtimes too with --strict-times.
  ManifestOptions manifest() const {
    ManifestOptions m;
    m.strict_times = options.strict_times;
    return m;
  }
};

// What every run of a check stands on, for check_image and for export: the image (checked when
// restored from elsewhere), the fetch layer (held in `in_use`), each step's chain key, the
// sandbox every run shares, and the ignore rules (with the steps' per-host paths).
struct CheckStart {
  sandbox::Image image;
  std::filesystem::path fetch;
  std::vector<std::string> keys;  // by StepPosition
  std::string last_key;           // the last step's key (the image's and fetch layer's: none)
  sandbox::Spec base;
  IgnoreRules ignore;
  IgnoreRules per_host;
};
CheckStart start_check(ConfiguredBaseline& baseline, const std::string& image_name,
                       const CheckOptions& options, ReleaseReport& report,
                       const CheckProgress& progress, LayersInUse& in_use);

// What the runs over `start` are given.
inline RunContext run_context(ConfiguredBaseline& baseline, const CheckStart& start,
                              const CheckOptions& options, LayersInUse& in_use) {
  return {&baseline, &start.keys, start.fetch, &start.image, start.base, options, &in_use};
}

// Upper layers (bottom first) laid over each other as overlayfs shows them, without the opaque
// flags that nothing in `below` (the fetch layer, the image) could show through.
Manifest merged_manifest(const std::vector<Manifest>& layers,
                         const std::vector<std::filesystem::path>& below);

// A cached layer to reuse. One restored from elsewhere that no longer matches its manifest is
// removed, saying so on `progress`, and the caller makes it again (holding its LayerMakeLock).
bool reusable_layer(const CachedLayer& layer, const std::string& image,
                    const CheckProgress& progress);

// Layers (top-most first) over the fetch layer (when there is one) and the image.
inline std::vector<std::filesystem::path> lowers_of(std::vector<std::filesystem::path> out,
                                                    const std::filesystem::path& fetch,
                                                    const sandbox::Image& image) {
  if (!fetch.empty()) out.push_back(fetch);
  out.push_back(image.root);
  return out;
}

// `base` over `lowers` (top first), its changes going to `scratch` (or a tmpfs when null).
inline sandbox::Spec spec_over(const sandbox::Spec& base, std::vector<std::filesystem::path> lowers,
                               const sandbox::Scratch* scratch, const std::string& hostname) {
  sandbox::Spec spec = base;
  spec.lowers = std::move(lowers);
  if (scratch != nullptr) {
    spec.upper = scratch->upper();
    spec.work = scratch->work();
  }
  spec.hostname = hostname;
  return spec;
}

// The checks' sandboxes let setuid programs work (a login check runs sudo as its user): the
// same bounding set and seccomp filter, no no-new-privs. Apply never gets that.
inline sandbox::Spec checks_spec(sandbox::Spec spec) {
  spec.setuid_programs = true;
  return spec;
}

// A report's outcome per step, each naming its step, to be filled by the runs.
inline std::vector<StepOutcome> step_outcomes(const ConfiguredBaseline& b) {
  std::vector<StepOutcome> out;
  for (const auto& s : b.steps) {
    StepOutcome o;
    o.index = s.step.index;
    o.plugin = s.step.plugin;
    out.push_back(std::move(o));
  }
  return out;
}

// Every step's index, for SandboxedSteps to apply or verify them all.
inline std::vector<int> all_steps(const ConfiguredBaseline& b) {
  std::vector<int> out;
  for (const auto& s : b.steps) out.push_back(s.step.index);
  return out;
}

// The checks a run made of the step `o`, their names prefixed with the run's ("A", "B").
inline void add_checks(StepOutcome& o, const std::vector<StepReport>& verified,
                       const std::string& run) {
  for (const auto& r : verified) {
    if (r.index != o.index) continue;
    o.seconds_checks = std::max(o.seconds_checks, r.seconds);
    for (const auto& c : r.checks)
      o.checks.push_back({run + ": " + c.name, c.passed, c.detail, c.headline});
    if (r.error) o.checks.push_back({run + ": checks ran", false, *r.error});
  }
}

// A layer's outcome.json or manifest.json.
inline nlohmann::json read_layer_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// One line per check of `o` that failed ("fslayout (step 1): check failed: NAME (DETAIL)").
inline void add_failed_checks(const ConfiguredBaseline& b, const StepOutcome& o,
                              std::vector<std::string>& messages) {
  for (const auto& c : o.checks)
    if (!c.passed)
      messages.push_back(step_name(b.steps[static_cast<std::size_t>(o.index)].step) +
                         ": check failed: " + c.name +
                         (c.detail.empty() ? "" : " (" + c.detail + ")"));
}

}  // namespace bootstrap
