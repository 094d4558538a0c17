// bootstrap-engine: every command, including those that load plugins (validate, plugins, check,
// records, apply). Users run `bootstrap`, which handles the sandbox commands itself and hands
// everything else here with the same arguments (front.cpp). This file only wires the commands.
#include <sys/resource.h>

#include "bootstrap/exit_codes.hpp"
#include "bootstrap/version.hpp"
#include "commands.hpp"

namespace bootstrap::cli {

namespace {

int run_main(int argc, char** argv) {
  CLI::App app{"", "bootstrap"};
  describe_bootstrap(app);
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("bootstrap ") + kVersion);

  GlobalOptions global;
  add_global_options(app, global);

  Action action;
  add_validate_command(app, action);
  add_plugins_command(app, action);
  add_check_command(app, action);
  add_records_command(app, action);
  add_plan_command(app, action);
  add_apply_command(app, action);
  add_history_command(app, action);
  add_rollback_command(app, action);
  add_matrix_command(app, action);
  add_report_command(app, action);
  add_export_command(app, action);
  add_run_command(app, action);
  add_shell_command(app, action);
  add_image_command(app, action);
  add_gc_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  return run_action(action, global);
}

}  // namespace
}  // namespace bootstrap::cli

// A check holds a lock on every layer it stacks (one per step, see layer_cache.hpp): a
// baseline of a thousand steps needs more descriptors than the usual soft limit of 1024.
static void raise_open_files_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= r.rlim_max) return;
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
}

int main(int argc, char** argv) {
  raise_open_files_limit();
  return bootstrap::cli::run_main(argc, argv);
}
