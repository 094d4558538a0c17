// apply --for-real: change a live host (or --root DIR standing for one) the way a passing
// check proved, journaled and roll-back-able (see commit.hpp for how a commit is made).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>

#include "bootstrap/check_report.hpp"
#include "bootstrap/commit.hpp"
#include "bootstrap/exit_codes.hpp"
#include "bootstrap/journal.hpp"
#include "bootstrap/plan_report.hpp"
#include "bootstrap/record_gate.hpp"
#include "bootstrap/root_host.hpp"
#include "bootstrap/sandboxed_steps.hpp"
#include "for_real.hpp"

namespace bootstrap::cli {
namespace fs = std::filesystem;

namespace {

struct Stopwatch {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

bool record_gate(const ConfiguredBaseline& baseline, const Target& target,
                 const ForRealOptions& opts, Console& console) {
  if (opts.skip_record) {
    console.warn("--skip-record: applying '" + baseline.baseline.name + "' to " +
                 target.root.string() +
                 " without a passing check's record for this baseline, these plugins and " +
                 target.image.release + ": nothing proved it repeatable, idempotent or verified");
    return true;
  }
  std::vector<fs::path> files =
      opts.record.empty() ? record_files(default_state_dir()) : std::vector<fs::path>{opts.record};
  RecordVerdict v = find_record(baseline, target.image.release, files);
  if (!v.proven) {
    console.error(v.why);
    return false;
  }
  console.progress("proved by " + v.record);
  return true;
}

bool confirmed(Console& console, const ChangePlan& plan) {
  if (!::isatty(STDIN_FILENO)) return true;
  std::cerr << fmt::format("commit these {} changes to {}? [y/N] ", plan.changes.size(),
                           plan.target)
            << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "y" || answer == "yes") return true;
  console.progress("nothing was changed");
  return false;
}

// The saved plan, if it is still what the target is; nullopt after saying why not.
std::optional<ChangePlan> saved_plan(const ConfiguredBaseline& baseline, const Target& target,
                                     const std::string& dir, Console& console) {
  ChangePlan plan = load_plan(dir);
  if (plan.baseline_digest != baseline.baseline.digest) {
    console.error("the plan " + dir + " was made from another version of " +
                  baseline.baseline.file.string());
    return std::nullopt;
  }
  if (fs::path(plan.target) != target.root) {
    console.error("the plan " + dir + " is for " + plan.target + ", not " + target.root.string());
    return std::nullopt;
  }
  if (std::string why = filesystems_changed(plan, target.image.submounts); !why.empty()) {
    console.error("the plan " + dir + " is stale: " + why + "; make a new plan");
    return std::nullopt;
  }
  auto stale = stale_paths(plan.changes, *target.tree);
  if (stale.empty()) return plan;
  std::string list;
  for (const auto& s : stale) list += "\n  " + s;
  console.error(
      fmt::format("the plan {} is stale: {} of its paths changed on {} since {}; make a new plan{}",
                  dir, stale.size(), target.root.string(), plan.made_at, list));
  return std::nullopt;
}

// A sandbox over the target, its filesystems of their own included, whose writes are thrown away.
sandbox::Spec disposable_over(const Target& target) {
  sandbox::Spec spec;
  spec.lowers = {target.root};
  spec.submounts = sandbox::submounts_of(target.image);
  return spec;
}

// The checks again, in a sandbox over the committed target.
bool verify_on_target(ConfiguredBaseline& baseline, const Target& target, Console& console,
                      bool verbose) {
  sandbox::Spec spec = disposable_over(target);
  spec.setuid_programs = true;
  std::vector<int> all;
  for (const auto& s : baseline.steps) all.push_back(s.step.index);
  StepsResult v = SandboxedSteps::start(baseline, spec, {{}, all}).finish();
  ApplyReport report;
  report.steps = v.verified;
  std::size_t failed = 0;
  for (const auto& s : report.steps)
    for (const auto& c : s.checks) failed += c.passed ? 0 : 1;
  if (failed > 0 || verbose || !v.crash.empty())
    print_apply_report(console, baseline, report, verbose);
  if (!v.crash.empty()) console.error("the checks' sandbox " + v.crash);
  return report.verified() && v.crash.empty();
}

// The paths the commit changed, per step.
std::map<int, std::vector<std::string>> changed_by_step(const ChangePlan& plan) {
  std::map<int, std::vector<std::string>> out;
  for (const PlannedChange& c : plan.changes)
    if (c.step >= 0) out[c.step].push_back(c.path);
  return out;
}

// Each step's activate(): on this running host in this process; for a directory standing for a
// host, in a sandbox over it whose writes are thrown away (only what works offline).
std::vector<StepReport> run_activation(ConfiguredBaseline& baseline, const Target& target,
                                       const ChangePlan& plan, Console& console) {
  auto changed = changed_by_step(plan);
  if (target.root == "/") {
    RootHost host("/", [&console](LogLevel level, std::string_view message) {
      if (level == LogLevel::Warning) console.warn(std::string(message));
    });
    Activation how;
    how.live = true;
    how.systemd = fs::is_directory("/run/systemd/system");
    std::vector<StepReport> out;
    for (auto& s : baseline.steps) {
      how.changed = changed[s.step.index];
      out.push_back(activate_step(s, host, how));
      if (out.back().error) break;
    }
    return out;
  }
  sandbox::Spec spec = disposable_over(target);
  StepsRequest request;
  for (const auto& s : baseline.steps) request.activate.push_back(s.step.index);
  request.changed = changed;
  StepsResult r = SandboxedSteps::start(baseline, spec, request).finish();
  if (!r.crash.empty()) {
    StepReport crashed;
    crashed.error = "the activation's sandbox " + r.crash;
    r.activated.push_back(crashed);
  }
  return r.activated;
}

// Says what was activated and what was not started; false when a step failed to activate.
bool activate(ConfiguredBaseline& baseline, const Target& target, const ChangePlan& plan,
              Console& console) {
  bool ok = true;
  for (const StepReport& r : run_activation(baseline, target, plan, console)) {
    std::string step = fmt::format("step {} {}", r.index + 1, r.plugin);
    for (const auto& line : r.activated.done) console.out("activated: " + line + " (" + step + ")");
    for (const auto& line : r.activated.not_started)
      console.progress("not started: " + line + " (" + step + ")");
    if (r.error) {
      console.error(*r.error);
      ok = false;
    }
  }
  return ok;
}

}  // namespace

int apply_for_real(ConfiguredBaseline& baseline, const ForRealOptions& opts,
                   const GlobalOptions& global) {
  Console console = global.console();
  require_root("apply --for-real");
  std::optional<Target> target = open_target(opts.root, console);
  if (!target) return kExitUsage;
  if (!record_gate(baseline, *target, opts, console)) return kExitUsage;
  console.progress(fmt::format("==> applying '{}' ({} steps) for real to {} ({})",
                               baseline.baseline.name, baseline.steps.size(), target->root.string(),
                               target->image.release));
  std::optional<Prepared> prepared;
  std::optional<ChangePlan> plan;
  fs::path change_set;
  if (!opts.plan.empty()) {
    plan = saved_plan(baseline, *target, opts.plan, console);
    if (!plan) return kExitFailed;
    change_set = change_set_of(opts.plan);
  } else {
    CheckOptions options;
    options.cache_root = sandbox_cache(global);
    auto progress = [&console](const std::string& image, const std::string& line) {
      console.status(image + ": " + line);
    };
    Stopwatch prepare_time;
    prepared.emplace(prepare(baseline, target->image, options, progress, true));
    console.debug(fmt::format("prepare (apply and checks in a sandbox over the target): {:.2f}s",
                              prepare_time.seconds()));
    console.clear_status();
    ApplyReport report = report_of(prepared->steps);
    if (!report.verified()) {
      print_apply_report(console, baseline, report, false);
      console.error("the baseline does not apply and pass its checks on " + target->root.string() +
                    "; nothing was changed");
      return kExitFailed;
    }
    Stopwatch plan_time;
    plan = plan_of(baseline, *target, *prepared);
    console.debug(fmt::format("plan (the change set's manifest against the target): {:.2f}s",
                              plan_time.seconds()));
    change_set = prepared->upper();
  }
  print_plan(console, *plan, global.verbose > 0);
  if (plan->changes.empty()) {
    console.progress("nothing to commit: " + target->root.string() +
                     " already is what the baseline makes");
    return kExitOk;
  }
  if (!opts.yes && !confirmed(console, *plan)) return kExitFailed;
  std::optional<Journal> begun;
  try {
    begun.emplace(Journal::begin(*target->tree, *plan));
  } catch (const std::exception& e) {
    console.error(std::string("cannot write the journal, so nothing was changed: ") + e.what());
    return kExitFailed;
  }
  Journal& journal = *begun;
  CommitResult r = commit(*target->tree, journal, change_set);
  if (!r.committed) {
    console.error(r.error + "; rolled back: " + target->root.string() + " is as it was (journal " +
                  journal.id() + ")");
    return kExitFailed;
  }
  console.debug(fmt::format("commit: staged in {:.3f}s, switched in {:.3f}s, synced in {:.3f}s",
                            r.stage_seconds, r.switch_seconds, r.sync_seconds));
  console.out(
      fmt::format("committed {} paths in {:.2f}s (apply {}; 'bootstrap rollback {}{}' undoes it)",
                  plan->changes.size(), r.seconds, journal.id(), journal.id(),
                  target->root == "/" ? "" : " --root " + target->root.string()));
  if (!activate(baseline, *target, *plan, console)) {
    console.error("activation failed on " + target->root.string() +
                  " after the commit; 'bootstrap rollback " + journal.id() + "' undoes it");
    return kExitFailed;
  }
  Stopwatch verify_time;
  bool verified = verify_on_target(baseline, *target, console, global.verbose > 0);
  console.debug(fmt::format("the checks again on the target: {:.2f}s", verify_time.seconds()));
  if (!verified) {
    console.error("the checks fail on " + target->root.string() +
                  " after the commit; 'bootstrap rollback " + journal.id() + "' undoes it");
    return kExitFailed;
  }
  console.progress("verified on " + target->root.string());
  return kExitOk;
}

}  // namespace bootstrap::cli
