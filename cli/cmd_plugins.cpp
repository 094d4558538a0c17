// bootstrap plugins: what plugins this bootstrap finds, and what is wrong with the others.
#include <fmt/format.h>

#include "bootstrap/exit_codes.hpp"
#include "commands.hpp"

namespace bootstrap::cli {

void add_plugins_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "plugins",
      "List the plugins found on the search path: name, version, ABI and file.\n"
      "Search order: --plugin-dir, BOOTSTRAP_PLUGIN_PATH, plugins/ next to the executable,\n"
      "the installed plugin folder. Unusable files are listed with the reason.");
  cmd->callback([&action] {
    action = [](const GlobalOptions& global) {
      Console console = global.console();
      PluginHost plugins = load_plugins(global);
      console.out(fmt::format("{:<12} {:<8} {:<4} {}", "NAME", "VERSION", "ABI", "FILE"));
      for (const auto& p : plugins.plugins())
        console.out(
            fmt::format("{:<12} {:<8} {:<4} {}", p->name, p->version, p->abi, p->file.string()));
      for (const auto& b : plugins.broken()) console.error(b.reason);
      if (global.verbose > 0) {
        console.debug("searched:");
        for (const auto& d : plugins.dirs()) console.debug("  " + d.string());
      }
      return plugins.broken().empty() ? kExitOk : kExitFailed;
    };
  });
}

}  // namespace bootstrap::cli
