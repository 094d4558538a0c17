// bootstrap history [--root DIR]: the applies on this target, from its journal.
#include <fmt/format.h>

#include "bootstrap/exit_codes.hpp"
#include "bootstrap/journal.hpp"
#include "commands.hpp"
#include "for_real.hpp"

namespace bootstrap::cli {

void add_history_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "history",
      "List the applies --for-real on this host (or on --root DIR), oldest first: id, when,\n"
      "baseline, release, paths, state (committed, rolled-back, or what recovery did).\n"
      "An apply interrupted by a crash is rolled back first, and shown so.");
  auto root = std::make_shared<std::string>();
  cmd->add_option("--root", *root, "The target: a directory standing for a host (default: /)")
      ->check(CLI::ExistingDirectory);
  cmd->callback([&action, root] {
    action = [root](const GlobalOptions& global) {
      Console console = global.console();
      std::optional<Target> target = open_target(*root, console);
      if (!target) return kExitUsage;
      auto journals = Journal::list(*target->tree);
      if (journals.empty()) {
        console.progress("no apply --for-real on " + target->root.string() + " yet");
        return kExitOk;
      }
      console.out(fmt::format("{:<18} {:<20} {:<12} {:<9} {:>6}  {}", "id", "started", "baseline",
                              "release", "paths", "state"));
      for (const JournalSummary& j : journals)
        console.out(fmt::format("{:<18} {:<20} {:<12} {:<9} {:>6}  {}{}", j.id, j.started,
                                j.baseline, j.release, j.paths, to_string(j.state),
                                j.detail.empty() ? "" : ": " + j.detail));
      return kExitOk;
    };
  });
}

}  // namespace bootstrap::cli
