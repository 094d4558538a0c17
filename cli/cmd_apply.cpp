// bootstrap apply BASELINE --root DIR: converge a directory tree standing for a host.
#include <fmt/format.h>

#include <filesystem>

#include "bootstrap/apply.hpp"
#include "bootstrap/check.hpp"
#include "bootstrap/exit_codes.hpp"
#include "bootstrap/image_trust.hpp"
#include "bootstrap/plan_report.hpp"
#include "bootstrap/prepare.hpp"
#include "bootstrap/root_host.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/interrupt.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandboxed_steps.hpp"
#include "bootstrap/system_error.hpp"
#include "commands.hpp"
#include "for_real.hpp"

namespace bootstrap::cli {

namespace {
struct ApplyOptions {
  std::string baseline;
  std::string root;
  std::string image;
  std::vector<std::string> only;
  bool for_real = false;
  bool no_verify = false;
  ForRealOptions real;
};
// --only: keep the steps of the named plugins, saying which are skipped.
void select_steps(ConfiguredBaseline& configured, const std::vector<std::string>& only,
                  Console& console) {
  if (only.empty()) return;
  for (const auto& name : only) {
    bool found = false;
    for (const auto& s : configured.steps) found = found || s.step.plugin == name;
    if (!found) throw CLI::ValidationError("--only", "the baseline has no '" + name + "' step");
  }
  std::vector<ConfiguredStep> kept;
  for (auto& s : configured.steps) {
    if (std::find(only.begin(), only.end(), s.step.plugin) != only.end()) {
      kept.push_back(std::move(s));
    } else {
      console.progress("skipping " + step_name(s.step) + " (--only)");
    }
  }
  configured.steps = std::move(kept);
}

// One plain apply (fetch, then every step and its checks) in a disposable sandbox.
int apply_in_sandbox(const ApplyOptions& opts, const GlobalOptions& global, Console& console) {
  ConfiguredBaseline configured = load_configured(global, opts.baseline);
  const Baseline& baseline = configured.baseline;
  select_steps(configured, opts.only, console);
  CheckOptions options;
  options.cache_root = sandbox_cache(global);
  sandbox::ImageStore store(options.cache_root);
  auto progress = [&console](const std::string& image, const std::string& line) {
    console.status(image + ": " + line);
  };
  sandbox::Image image = trusted_image(
      store, opts.image, [&](const std::string& line) { progress(opts.image, line); });
  console.progress(fmt::format("==> applying '{}' ({} steps) in a disposable sandbox of {}",
                               baseline.name, configured.steps.size(), image.name));
  Prepared p = prepare(configured, image, options, progress, !opts.no_verify);
  const StepsResult& r = p.steps;
  console.clear_status();
  ApplyReport report = report_of(r);
  print_apply_report(console, configured, report, global.verbose > 0);
  if (!r.crash.empty() && r.crashed_step < 0) console.error("the sandbox " + r.crash);
  return r.ok() ? kExitOk : kExitFailed;
}

}  // namespace

void add_apply_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "apply",
      "Apply a baseline to a directory tree that stands for a host (--root DIR), printing\n"
      "each change as created / modified / removed, then running the plugins' checks.\n"
      "Applying again reports no changes. Without --root the target is this machine's /,\n"
      "which is refused unless --for-real is given. With --image, the baseline is applied once in\n"
      "a disposable sandbox instead and nothing is kept.");
  auto opts = std::make_shared<ApplyOptions>();
  cmd->add_option("BASELINE", opts->baseline, "Baseline file (YAML)")->required();
  cmd->add_option("--root", opts->root, "Apply to this directory instead of /")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--image", opts->image,
                  "Apply once in a disposable sandbox of this image (debian:<release> or host) and "
                  "show what changed; nothing is kept")
      ->excludes("--root");
  cmd->add_option("--only", opts->only, "Apply only the steps of these plugins (comma separated)")
      ->delimiter(',');
  cmd->add_flag("--for-real", opts->for_real,
                "Apply to this host (or to --root DIR standing for one) the way a passing check "
                "proved: plan, journaled commit, activation (the host's init starts and reloads "
                "what the steps run; with --root only what works offline), checks again; "
                "'bootstrap rollback' undoes it");
  cmd->add_option("--plan", opts->real.plan,
                  "With --for-real: commit this saved plan ('bootstrap plan -o')")
      ->check(CLI::ExistingDirectory);
  cmd->add_option(
         "--record", opts->real.record,
         "With --for-real: the record of a passing check made elsewhere ('check --record-out')")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--yes,-y", opts->real.yes, "With --for-real: commit without asking on a terminal");
  cmd->add_flag("--skip-record", opts->real.skip_record,
                "With --for-real: apply without a passing check's record (said loudly)");
  cmd->add_flag("--no-verify", opts->no_verify, "Skip the plugins' checks after applying");
  cmd->callback([&action, opts] {
    action = [opts](const GlobalOptions& global) {
      Console console = global.console();
      if (!opts->image.empty()) {
        sandbox::stop_on_signals();  // only disposable sandboxes to stop: --root and --for-real
                                     // write the target
        return apply_in_sandbox(*opts, global, console);
      }
      if (opts->root.empty() && !opts->for_real) {
        console.error(
            "refusing to apply to this machine's / without --for-real; use --root DIR to apply "
            "to a directory, or 'bootstrap check' to try the baseline in sandboxes");
        return kExitUsage;
      }
      bool real_only = !opts->real.plan.empty() || !opts->real.record.empty() || opts->real.yes ||
                       opts->real.skip_record;
      if (real_only && !opts->for_real) {
        console.error("--plan, --record, --yes and --skip-record go with --for-real");
        return kExitUsage;
      }
      if (opts->for_real) {
        if (!opts->only.empty()) {
          console.error("--only does not go with --for-real: a check proved the whole baseline");
          return kExitUsage;
        }
        ConfiguredBaseline configured = load_configured(global, opts->baseline);
        ForRealOptions real = opts->real;
        real.root = opts->root;
        return apply_for_real(configured, real, global);
      }
      ConfiguredBaseline configured = load_configured(global, opts->baseline);
      const Baseline& baseline = configured.baseline;
      select_steps(configured, opts->only, console);
      std::filesystem::path root = std::filesystem::canonical(opts->root);
      if (root == "/") {
        console.error("--root / is this machine's root; that needs --for-real");
        return kExitUsage;
      }
      console.progress(fmt::format("==> applying '{}' ({} steps) to {}", baseline.name,
                                   configured.steps.size(), root.string()));
      RootHost host(root, [&console](LogLevel level, std::string_view message) {
        if (level == LogLevel::Debug)
          console.debug(message);
        else if (level == LogLevel::Warning)
          console.warn(message);
        else
          console.progress(message);
      });
      ApplyReport report = apply_baseline(
          configured, host, !opts->no_verify, [&console](const Step& step, Phase phase) {
            console.debug(fmt::format("{} {}", phase == Phase::Apply ? "applying" : "verifying",
                                      step_name(step)));
          });
      print_apply_report(console, configured, report, global.verbose > 0);
      return report.verified() ? kExitOk : kExitFailed;
    };
  });
}

}  // namespace bootstrap::cli
