// bootstrap validate BASELINE...: parse each baseline and let every plugin check its step.
#include <fmt/format.h>

#include "bootstrap/apply.hpp"
#include "bootstrap/exit_codes.hpp"
#include "commands.hpp"

namespace bootstrap::cli {

void add_validate_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "validate",
      "Check baselines without applying them: YAML syntax, the baseline's shape, and each\n"
      "step's config as its plugin understands it. Errors are printed as file:line:col.");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("BASELINE", *files, "Baseline files (YAML)")->required();
  cmd->callback([&action, files] {
    action = [files](const GlobalOptions& global) {
      Console console = global.console();
      PluginHost plugins = load_plugins(global);
      int failed = 0;
      for (const auto& file : *files) {
        try {
          Baseline b = load_baseline(file);
          configure_baseline(b, plugins);
          console.out(fmt::format("{}: ok ({} '{}', {} steps, os: {})", file, "baseline", b.name,
                                  b.steps.size(), fmt::join(b.os, ", ")));
        } catch (const ConfigError& e) {
          console.error(e.what());
          ++failed;
        }
      }
      return failed == 0 ? kExitOk : kExitUsage;
    };
  });
}

}  // namespace bootstrap::cli
