// bootstrap rollback [ID] [--root DIR]: undo an apply --for-real from its journal.
#include <fmt/format.h>

#include "bootstrap/commit.hpp"
#include "bootstrap/exit_codes.hpp"
#include "bootstrap/journal.hpp"
#include "commands.hpp"
#include "for_real.hpp"

namespace bootstrap::cli {

namespace {

// The apply to undo: `id`, or the newest committed one; "" after saying why not.
std::string choose(const std::vector<JournalSummary>& journals, const std::string& id,
                   Console& console) {
  std::string chosen = id;
  if (chosen.empty()) {
    for (const auto& j : journals)
      if (j.state == JournalState::Committed) chosen = j.id;
    if (chosen.empty())
      console.error("nothing to roll back: no committed apply ('bootstrap history' lists them)");
    return chosen;
  }
  bool after = false;
  for (const auto& j : journals) {
    if (j.id == id) {
      after = true;
      if (j.state != JournalState::Committed) {
        console.error("apply " + id + " is " + std::string(to_string(j.state)) +
                      ", not committed: nothing to undo");
        return "";
      }
    } else if (after && j.state == JournalState::Committed) {
      console.error("apply " + j.id + " came after " + id +
                    " and is still committed: roll it back first");
      return "";
    }
  }
  if (!after) console.error("no apply '" + id + "' ('bootstrap history' lists them)");
  return after ? chosen : "";
}

}  // namespace

void add_rollback_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "rollback",
      "Undo an apply --for-real (the newest committed one, or ID) from the target's journal:\n"
      "every path it created is removed, every path it replaced or removed is put back as it\n"
      "was (the same inode, so content, mode, owner and xattrs), directories get back their\n"
      "mode and owner. Later applies must be rolled back first.");
  auto id = std::make_shared<std::string>();
  auto root = std::make_shared<std::string>();
  cmd->add_option("ID", *id, "The apply to undo (default: the newest committed one)");
  cmd->add_option("--root", *root, "The target: a directory standing for a host (default: /)")
      ->check(CLI::ExistingDirectory);
  cmd->callback([&action, id, root] {
    action = [id, root](const GlobalOptions& global) {
      Console console = global.console();
      require_root("rollback");
      std::optional<Target> target = open_target(*root, console);
      if (!target) return kExitUsage;
      std::string chosen = choose(Journal::list(*target->tree), *id, console);
      if (chosen.empty()) return kExitUsage;
      Journal journal = Journal::open(*target->tree, chosen);
      console.progress(fmt::format("==> rolling back apply {} of '{}' on {} ({} paths)", chosen,
                                   journal.plan().baseline, target->root.string(),
                                   journal.plan().changes.size()));
      RollbackResult r = roll_back(*target->tree, journal, "rolled back by 'bootstrap rollback'");
      for (const auto& d : r.differing) console.warn(d);
      console.out(fmt::format(
          "rolled back in {:.2f}s: {} paths as before the apply{}", r.seconds, r.restored,
          r.differing.empty() ? "" : fmt::format(", {} not", r.differing.size())));
      return r.differing.empty() ? kExitOk : kExitFailed;
    };
  });
}

}  // namespace bootstrap::cli
