// Run B: the second, independent application of the baseline, with a chain of cached layers of
// its own (never shared with run A's). Each layer holds a segment of steps that ran together in
// one sandbox over the layers before it: "b-<key of its last step>", its outcome naming the
// segment's first step. A check re-runs only what is not cached, one step a segment, so that
// after editing step k, steps k and after run again, in B as in A.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/check.hpp"
#include "bootstrap/layer_cache.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandboxed_steps.hpp"
#include "layer_stack.hpp"
#include "run_specs.hpp"

namespace bootstrap {

class RunB {
 public:
  using Context = RunContext;

  // Takes the longest cached prefix of B's chain (none with --no-cache) into `report`, and starts
  // the first segment still to run.
  RunB(Context context, ReleaseReport& report);

  // Waits for the running segment, stores it, starts the next one; false once a step failed.
  bool advance();
  // Advances until the steps up to `position` are done (the running segment ends after it);
  // false once a step failed.
  bool catch_up(StepPosition position);
  // Runs no segment after the one running (run A failed: B's result is of no use).
  void stop();
  bool running() const { return steps_.has_value(); }

  // B's layers, top-most first, and the manifest of everything B wrote (bottom-up merged).
  std::vector<std::filesystem::path> lowers() const { return stack_.lowers(); }
  const std::vector<Manifest>& manifests() const { return manifests_; }
  std::string crash() const { return crash_; }

 private:
  std::optional<std::vector<CachedLayer>> cached_prefix(StepPosition count) const;
  void reuse(const std::vector<CachedLayer>& layers);
  void start(StepPosition first, StepPosition last);
  CachedLayer layer_of(StepPosition last) const;

  Context c_;
  ReleaseReport* report_;
  LayerStack stack_;
  std::vector<Manifest> manifests_;
  std::vector<std::pair<StepPosition, StepPosition>> segments_;  // still to run, in order
  std::optional<sandbox::Scratch> scratch_;
  std::optional<SandboxedSteps> steps_;
  std::pair<StepPosition, StepPosition> running_{};
  std::string crash_;
  bool ok_ = true;
};

}  // namespace bootstrap
