#include "run_a.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandboxed_steps.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What a cached step layer remembers of the run that made it.
json outcome_json(const StepReport& r) {
  json changes = json::array();
  for (const auto& c : r.changes)
    changes.push_back({{"kind", static_cast<int>(c.kind)}, {"what", c.what}, {"detail", c.detail}});
  return {{"changes", changes}, {"seconds", r.seconds}, {"notes", r.notes}};
}

}  // namespace

RunA::RunA(RunContext context, ReleaseReport& report, CheckProgress progress)
    : c_(std::move(context)),
      report_(&report),
      progress_(std::move(progress)),
      stack_(c_.options.cache_root, *c_.in_use, c_.options.use_cache) {}

bool RunA::step(StepPosition position) {
  const std::string& key = c_.keys->at(position);
  CachedLayer layer = cached_layer(c_.options.cache_root, "step-" + key);
  LayerMakeLock lock(layer);
  if (c_.options.use_cache && reusable_layer(layer, c_.image->name, progress_)) {
    reuse(position, layer);
    return true;
  }
  return apply(position, layer);
}

std::optional<StepPosition> RunA::all() {
  for (StepPosition p = 0; p < c_.baseline->steps.size(); ++p)
    if (!step(p)) return p;
  return std::nullopt;
}

void RunA::reuse(StepPosition position, const CachedLayer& layer) {
  const auto& s = c_.baseline->steps.at(position);
  StepOutcome& o = report_->steps.at(position);
  c_.in_use->hold(layer);
  json outcome = read_layer_json(layer.dir / "outcome.json");
  o.cached = true;
  o.changes_a = outcome["changes"].size();
  o.seconds_saved = outcome.value("seconds", 0.0);
  for (const auto& n : outcome.value("notes", json::array())) o.add_note(n.get<std::string>());
  stack_.push(layer.tree(), c_.keys->at(position));
  manifests_.push_back(Manifest::from_json(read_layer_json(layer.dir / "manifest.json")));
  progress_(c_.image->name, fmt::format("run A: {} reused from the layer cache (saves {:.1f}s)",
                                        step_name(s.step), o.seconds_saved));
}

bool RunA::apply(StepPosition position, const CachedLayer& layer) {
  const auto& s = c_.baseline->steps.at(position);
  StepOutcome& o = report_->steps.at(position);
  progress_(c_.image->name, "run A: applying " + step_name(s.step));
  sandbox::Scratch scratch(c_.options.cache_root);
  sandbox::Spec spec =
      spec_over(c_.base, lowers_of(stack_.lowers(), c_.fetch, *c_.image), &scratch, "run-a");
  StepsResult r = SandboxedSteps::start(*c_.baseline, spec, {{s.step.index}, {}}).finish();
  const StepReport* rep = r.applied.empty() ? nullptr : &r.applied.front();
  if (rep == nullptr || rep->error || !r.crash.empty()) {
    o.error = rep && rep->error ? *rep->error
                                : "plugin " + step_name(s.step) + ": the sandbox " + r.crash;
    return false;
  }
  o.changes_a = rep->changes.size();
  o.seconds_a = rep->seconds;
  for (const auto& n : rep->notes) o.add_note(n);
  Manifest m = build_manifest(scratch.upper(), c_.manifest());
  if (fs::exists(layer.dir)) remove_layer(layer);  // --no-cache replaces it
  store_layer(scratch.upper(), layer, m, outcome_json(*rep));
  c_.in_use->hold(layer);
  stack_.push(layer.tree(), c_.keys->at(position));
  manifests_.push_back(std::move(m));
  return true;
}

}  // namespace bootstrap
