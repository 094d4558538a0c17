// Running a baseline's steps inside a sandbox: plugins were loaded and configured in this
// process; the sandbox's main process calls them with "/" as the target, and the results come
// back over the sandbox's result pipe as JSON lines (never scraped from a terminal).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"
#include "bootstrap/sandbox/sandbox.hpp"

namespace bootstrap {

struct StepsRequest {
  std::vector<int> apply;   // step indices to apply, in order; stops at the first failure
  std::vector<int> verify;  // step indices to verify afterwards (skipped if an apply failed)
  // Mark when each step's apply ended (StepReport::ended_ns), waiting after it until the
  // filesystem clock has passed the mark, so that a path's ctime in the upper layer tells
  // which step wrote it last (at most one clock tick, about 4 ms, per step).
  bool mark_steps = false;
  // Step indices to activate after the applies, offline (apply --for-real --root: a sandbox
  // over the committed target), each told the paths the commit changed for it.
  std::vector<int> activate = {};
  std::map<int, std::vector<std::string>> changed = {};
};

struct StepsResult {
  std::vector<StepReport> applied;    // one per step that was applied (or started)
  std::vector<StepReport> verified;   // one per verified step
  std::vector<StepReport> activated;  // one per activated step
  std::string crash;                  // "" or what killed the sandbox ("killed by SIGSEGV")
  int crashed_step = -1;              // the step running when it crashed
  int services = 0;                   // services started for the checks
  double services_seconds = 0;        // from their start until the last was ready
  double seconds = 0;
  bool ok() const;
};

class SandboxedSteps {
 public:
  static SandboxedSteps start(ConfiguredBaseline& baseline, const sandbox::Spec& spec,
                              StepsRequest request);
  StepsResult finish();  // waits for the sandbox

 private:
  SandboxedSteps(sandbox::Sandbox sandbox, const ConfiguredBaseline& baseline);
  sandbox::Sandbox sandbox_;
  const ConfiguredBaseline* baseline_;
  double started_ = 0;
};

}  // namespace bootstrap
