// bootstrap gc: remove what a killed bootstrap left behind.
#include "commands.hpp"
#include "sandbox_cli.hpp"

namespace bootstrap::cli {

void add_gc_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("gc", "Remove what a killed bootstrap left behind in the cache");
  cmd->description(
      "Remove scratch directories of runs whose bootstrap is gone (their lock is free) and\n"
      "half-built or half-removed images. Anything in use is left alone. run, shell and\n"
      "image build do this automatically first. Prints each removed path on stdout.");
  cmd->callback([&action] {
    action = [](const GlobalOptions& g) {
      Console console = g.console();
      auto removed = sandbox::collect_garbage(sandbox_cli::cache_root(g));
      for (const auto& p : removed) console.out(p.string());
      console.progress(removed.empty() ? "nothing to remove" : "removed " + std::to_string(removed.size()) + " item(s)");
      return 0;
    };
  });
}

}  // namespace bootstrap::cli
