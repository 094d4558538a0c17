// Committing a plan to its target with a journal, undoing it, and recovering from a crash.
//
// commit:  1. the journal (plan + state "committing"), synced
//          2. stage, path by path in plan order (parents first), each checked against the
//             plan's fingerprint first: new directories made; new content written beside its
//             path under a temporary name; what will be replaced saved in the journal (a hard
//             link to the same inode, or a copy on another filesystem); then every filesystem
//             touched is synced (syncfs)
//          3. switch: each temporary renamed over its path (atomic), each removed path moved
//             into the journal, each directory given its new mode/owner; synced
//          4. state "committed", synced
// A path whose state differs from the plan's, or any failure, stops the commit and rolls back
// what it did. A crash at any instant leaves the journal in "committing": the next command on
// the target rolls it back (recover), so the target is either as it was or as planned.
//
// Commit points for tests: BOOTSTRAP_TEST_COMMIT_HOOK="N:kill" sends SIGKILL to this process at
// point N, "N:run:CMD" runs `sh -c CMD` there (1: journal written, 2: half staged, 3: staged and
// synced, 4: half switched, 5: switched and synced, 6: state committed).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/journal.hpp"

namespace bootstrap {

struct CommitResult {
  bool committed = false;
  std::string error;                 // why it stopped (then it was rolled back)
  std::vector<std::string> changed;  // paths that differed from the plan
  double seconds = 0;
  double stage_seconds = 0, switch_seconds = 0, sync_seconds = 0;  // parts of `seconds`
};

// Commits `journal`'s plan, reading new content from the change set in `upper_dir`.
CommitResult commit(const TargetTree& target, Journal& journal,
                    const std::filesystem::path& upper_dir);

struct RollbackResult {
  std::size_t restored = 0;            // planned paths back as they were
  std::vector<std::string> differing;  // paths not as the journal saw them before, after all
  std::vector<std::string> notes;      // what went wrong on the way (a directory not empty...)
  double seconds = 0;
};

// Undoes whatever part of its plan `journal` did (from any point: each step is idempotent),
// then marks it rolled back with `why`.
RollbackResult roll_back(const TargetTree& target, Journal& journal, const std::string& why);

// Rolls back every journal on the target left in "committing" or "rolling-back"; returns one
// line for each ("apply 20261202-101500 was interrupted while committing; rolled back").
std::vector<std::string> recover(const TargetTree& target);

}  // namespace bootstrap
