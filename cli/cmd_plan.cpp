// bootstrap plan BASELINE [--root DIR] [-o PLAN]: what apply --for-real would change on this
// target, path by path; nothing on the target changes.
#include <fmt/format.h>

#include "bootstrap/exit_codes.hpp"
#include "bootstrap/plan_report.hpp"
#include "commands.hpp"
#include "for_real.hpp"

namespace bootstrap::cli {

namespace {
struct PlanOptions {
  std::string baseline;
  std::string root;
  std::string out;
};
}  // namespace

int plan_command(const PlanOptions& opts, const GlobalOptions& global) {
  Console console = global.console();
  ConfiguredBaseline configured = load_configured(global, opts.baseline);
  require_root("plan");
  std::optional<Target> target = open_target(opts.root, console);
  if (!target) return kExitUsage;
  CheckOptions options;
  options.cache_root = sandbox_cache(global);
  console.progress(fmt::format("==> planning '{}' ({} steps) for {} ({})", configured.baseline.name,
                               configured.steps.size(), target->root.string(),
                               target->image.release));
  auto progress = [&console](const std::string& image, const std::string& line) {
    console.status(image + ": " + line);
  };
  Prepared prepared = prepare(configured, target->image, options, progress, true);
  console.clear_status();
  ApplyReport report = report_of(prepared.steps);
  if (!report.verified()) {
    print_apply_report(console, configured, report, false);
    console.error("the baseline does not apply and pass its checks on " + target->root.string() +
                  "; nothing to plan");
    return kExitFailed;
  }
  ChangePlan plan = plan_of(configured, *target, prepared);
  print_plan(console, plan, global.verbose > 0);
  if (!opts.out.empty()) {
    save_plan(opts.out, plan, prepared.upper());
    console.progress("plan saved to " + opts.out + " ('bootstrap apply " + opts.baseline +
                     " --for-real --plan " + opts.out + "' commits exactly this)");
  }
  return kExitOk;
}

void add_plan_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "plan",
      "Show what 'apply --for-real' would change on this host (or on --root DIR): the baseline\n"
      "is applied in a sandbox whose lower layer is the target itself, its checks run there,\n"
      "and every path the change set would create, replace or remove is listed with the\n"
      "target's state as the plan saw it. Nothing on the target changes. With -o, the plan and\n"
      "its change set are saved for 'apply --for-real --plan', which refuses them once the\n"
      "target has changed.");
  auto opts = std::make_shared<PlanOptions>();
  cmd->add_option("BASELINE", opts->baseline, "Baseline file (YAML)")->required();
  cmd->add_option("--root", opts->root, "The target: a directory standing for a host (default: /)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--out", opts->out, "Save the plan and its change set in this new directory");
  cmd->callback([&action, opts] {
    action = [opts](const GlobalOptions& global) { return plan_command(*opts, global); };
  });
}

}  // namespace bootstrap::cli
