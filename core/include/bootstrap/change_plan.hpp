// What apply --for-real will do to a target: the prepare sandbox's change set (its upper
// layer) against the target's state, path by path, each with the target's state as the plan
// saw it (its fingerprint: type, mode, owner, size, digest, link target, xattrs). A saved plan
// (`plan -o`) is applied only while every one of those fingerprints still holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/manifest.hpp"
#include "bootstrap/plugin.hpp"
#include "bootstrap/sandbox/mount_table.hpp"
#include "bootstrap/target_tree.hpp"

namespace bootstrap {

enum class PlannedAction {
  Create,   // nothing there now
  Replace,  // something else there now (content, metadata or type)
  Remove,   // the change set removes it (a whole tree for a directory)
  Retag,    // a directory stays, with another mode, owner or xattrs
};
std::string_view to_string(PlannedAction action);  // "create", "replace", "remove", "retag"

struct PlannedChange {
  std::string path;
  PlannedAction action = PlannedAction::Create;
  ManifestEntry after;                  // what the change set holds (Remove: a whiteout)
  std::optional<ManifestEntry> before;  // the target's state when planned
  std::string filesystem = "/";         // the mount point of the filesystem it lives on
  int step = -1;                        // the step that last wrote it (index), -1: unknown
};

// What each step's plugin said it changed (packages, users, services by name).
struct PlannedStep {
  int index = 0;
  std::string plugin;
  Outcome changes;
};

struct ChangePlan {
  std::string baseline;  // its name
  std::string baseline_file;
  std::string baseline_digest;
  std::string release;     // the target's
  std::string target;      // its root directory ("/" for the host)
  std::string made_at;     // ISO 8601
  std::string change_set;  // the change set's manifest digest
  std::vector<PlannedStep> steps;
  std::vector<PlannedChange> changes;  // sorted by path: parents before children
  // The target's filesystems of their own under its root when planned (its /srv, /var): a
  // commit writes each path into the one it lives on, and refuses when they are not the same.
  std::vector<sandbox::MountPoint> filesystems;

  std::size_t count(PlannedAction action) const;
  nlohmann::json to_json() const;
  static ChangePlan from_json(const nlohmann::json& j);  // throws std::invalid_argument
};

// The changes committing `upper` (the change set's manifest) makes to `target`: an entry whose
// state the target already has is left out (a copied-up parent, a file rewritten unchanged);
// what an opaque directory hides on the target becomes removals.
std::vector<PlannedChange> plan_changes(const Manifest& upper, const TargetTree& target);

// When a step's apply ended (StepReport::ended_ns), in step order.
struct StepEnd {
  int step = 0;
  std::int64_t ended_ns = 0;
};
// Sets each change's `step`: the last step whose plugin named the path among its changes;
// otherwise the first step whose apply ended at or after the path's ctime in the change set
// `upper` (for a removal, its parent directory's: overlayfs links every whiteout to one shared
// inode, whose ctime is the latest whiteout's; for a path not there, its nearest parent's);
// -1 when no step's end covers it.
void attribute_steps(std::vector<PlannedChange>& changes, const std::filesystem::path& upper,
                     const std::vector<StepEnd>& ends, const std::vector<PlannedStep>& steps);

// The mount point of the filesystem `path` lives on, of `filesystems` ("/" for the root's).
std::string filesystem_of(const std::string& path,
                          const std::vector<sandbox::MountPoint>& filesystems);

// Why the target's filesystems now are not the ones the plan saw, or "".
std::string filesystems_changed(const ChangePlan& plan,
                                const std::vector<sandbox::MountPoint>& now);

// The planned paths whose state on the target is not what the plan saw, each as
// "/etc/x: content differs (xxh3-128:... vs xxh3-128:...)" or "/etc/x: created since".
std::vector<std::string> stale_paths(const std::vector<PlannedChange>& changes,
                                     const TargetTree& target);

}  // namespace bootstrap
