// Run A: the baseline applied step by step, each step in a sandbox of its own over the layers of
// the steps before it. Each step's changes are kept as a cached layer, "step-<key>", whose key
// names everything the step's result depends on (step_key.cpp), so an unchanged prefix of the
// baseline is reused and an edit of step k re-runs steps k and after. Each step's manifest is
// kept too: it is how a difference is traced to the step that wrote the path.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "bootstrap/check.hpp"
#include "bootstrap/manifest.hpp"
#include "layer_stack.hpp"
#include "run_specs.hpp"

namespace bootstrap {

class RunA {
 public:
  RunA(RunContext context, ReleaseReport& report, CheckProgress progress);

  // Reuses the cached layer of the step at `position`, or applies the step and caches its
  // layer; false when the step failed (its error is in the report).
  bool step(StepPosition position);
  // Every step in turn; the position of the one that failed, if one did.
  std::optional<StepPosition> all();

  // A's layers (top-most first, squashed below a bound) and each step's manifest, by position.
  std::vector<std::filesystem::path> lowers() const { return stack_.lowers(); }
  const std::vector<Manifest>& manifests() const { return manifests_; }

 private:
  void reuse(StepPosition position, const CachedLayer& layer);
  bool apply(StepPosition position, const CachedLayer& layer);

  RunContext c_;
  ReleaseReport* report_;
  CheckProgress progress_;
  LayerStack stack_;
  std::vector<Manifest> manifests_;
};

}  // namespace bootstrap
