// What plan, apply --for-real, history and rollback share: the target (a directory standing
// for a host, or /), made safe to work on (a Debian root, locked, an interrupted commit rolled
// back first), and the plan of a prepared change set, printed.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "bootstrap/change_plan.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/prepare.hpp"
#include "bootstrap/sandbox/lock.hpp"
#include "bootstrap/target_tree.hpp"
#include "commands.hpp"

namespace bootstrap::cli {

struct Target {
  std::filesystem::path root;
  std::unique_ptr<TargetTree> tree;
  sandbox::Image image;  // the target as the prepare sandbox's lower layer
  sandbox::FileLock lock;
};

// The target --root names ("" : this machine's /). Says why and returns nullopt when it is not a
// Debian root or another bootstrap works on it; rolls back (and says so) what a crash left
// half committed before anything else.
// Refuses (EnvironmentError, exit 3) unless bootstrap runs as root: `what` (apply --for-real,
// plan, rollback) changes a host's files as their owners, which no user namespace can.
void require_root(const std::string& what);

std::optional<Target> open_target(const std::string& root, Console& console);

// The plan of committing `prepared`'s change set to `target`.
ChangePlan plan_of(const ConfiguredBaseline& baseline, const Target& target,
                   const Prepared& prepared);

// Per step, what its plugin changed (packages, users, services by name) and the paths it wrote
// last, each with its action (a created directory's contents folded into one line unless
// `verbose`); then the totals and, on a target with filesystems of their own, how many paths
// go to each.
void print_plan(Console& console, const ChangePlan& plan, bool verbose);

// plan -o DIR: the plan and a copy of its change set; apply --plan DIR reads both.
void save_plan(const std::filesystem::path& dir, const ChangePlan& plan,
               const std::filesystem::path& change_set);
ChangePlan load_plan(const std::filesystem::path& dir);
inline std::filesystem::path change_set_of(const std::filesystem::path& plan_dir) {
  return plan_dir / "change-set";
}

struct ForRealOptions {
  std::string root;    // "" : /
  std::string plan;    // a saved plan directory, or ""
  std::string record;  // a record file, or "" for the state directory's records
  bool yes = false;
  bool skip_record = false;
};

// apply --for-real: the record gate, prepare (or the saved plan), the plan, the journaled
// commit, then the checks again on the target.
int apply_for_real(ConfiguredBaseline& baseline, const ForRealOptions& opts,
                   const GlobalOptions& global);

}  // namespace bootstrap::cli
