// One function per command: each adds its subcommand to the app and sets `action` to what
// runs when that subcommand is chosen. The action returns the process exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/plugin_host.hpp"

namespace bootstrap::cli {

struct GlobalOptions {
  std::string color = "auto";
  int verbose = 0;
  bool quiet = false;
  std::vector<std::string> plugin_dirs;  // --plugin-dir, repeatable
  std::string cache_dir;                 // --cache-dir
  Console console() const;
};

using Action = std::function<int(const GlobalOptions&)>;

// What bootstrap is, and the exit statuses (shown under every command's --help too).
void describe_bootstrap(CLI::App& app);
// --color, -v, -q, --plugin-dir, --cache-dir.
void add_global_options(CLI::App& app, GlobalOptions& global);
// Runs the chosen command's action; its exceptions become messages and exit statuses
// (ConfigError 2, EnvironmentError 3, anything else 1).
int run_action(const Action& action, const GlobalOptions& global);

// Every plugin on the search path (--plugin-dir, BOOTSTRAP_PLUGIN_PATH, next to the executable,
// the installed folder), loaded.
PluginHost load_plugins(const GlobalOptions& global);

// The baseline in `file`, with every step configured by its plugin (ConfigError when not).
ConfiguredBaseline load_configured(const GlobalOptions& global, const std::string& file);

// How long a cached layer may go unused before the automatic gc of check and apply removes it.
inline constexpr double kLayerDaysKept = 14;

// For check and apply: refuses (EnvironmentError, exit 3) when this machine cannot run
// sandboxes, then returns the cache root (--cache-dir or the default), created and cleared of
// what a killed bootstrap left behind and of layers unused for kLayerDaysKept days.
std::filesystem::path sandbox_cache(const GlobalOptions& global);

void add_validate_command(CLI::App& app, Action& action);
void add_plugins_command(CLI::App& app, Action& action);
void add_apply_command(CLI::App& app, Action& action);
void add_check_command(CLI::App& app, Action& action);
void add_records_command(CLI::App& app, Action& action);
void add_run_command(CLI::App& app, Action& action);
void add_shell_command(CLI::App& app, Action& action);
void add_image_command(CLI::App& app, Action& action);
void add_gc_command(CLI::App& app, Action& action);
void add_plan_command(CLI::App& app, Action& action);
void add_history_command(CLI::App& app, Action& action);
void add_rollback_command(CLI::App& app, Action& action);
void add_matrix_command(CLI::App& app, Action& action);
void add_report_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);

// "bookworm,trixie" as releases, each checked against the known ones (CLI::ValidationError
// naming --os); "" is none.
std::vector<std::string> parse_os_list(const std::string& text);

}  // namespace bootstrap::cli
