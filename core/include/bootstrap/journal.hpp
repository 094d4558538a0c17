// The journal of one apply --for-real on a target, in the target's own
// /var/lib/bootstrap/journal/<ID>/ (so it survives a crash, and `history` and `rollback` find
// it on the target, not on the machine that ran bootstrap):
//
//   plan.json    the plan being committed (every path, its state before and after)
//   state.json   committing | committed | rolling-back | rolled-back, with when and why;
//                replaced atomically (write, fsync, rename, fsync the directory) at each step
//   backup/N     the old state of the N-th planned path: the same inode (a hard link, or the
//                path moved here) when it lives on the journal's filesystem, else a copy
//
// A journal left in `committing` or `rolling-back` is an interrupted commit: the next command
// on the target rolls it back before anything else (see commit.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/change_plan.hpp"
#include "bootstrap/target_tree.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap {

enum class JournalState { Committing, Committed, RollingBack, RolledBack };
std::string_view to_string(JournalState state);

struct JournalSummary {
  std::string id;
  JournalState state = JournalState::Committing;
  std::string started, updated;  // ISO 8601
  std::string baseline, release, detail;
  std::size_t paths = 0;
};

class Journal {
 public:
  // Creates the journal of committing `plan` to `target` (state: committing), synced to disk.
  static Journal begin(const TargetTree& target, const ChangePlan& plan);
  static Journal open(const TargetTree& target, const std::string& id);
  // Every journal on the target, oldest first (ids sort by time).
  static std::vector<JournalSummary> list(const TargetTree& target);
  // /var/lib/bootstrap/journal of the target, on this machine.
  static std::filesystem::path root_of(const TargetTree& target);

  const std::string& id() const { return id_; }
  const ChangePlan& plan() const { return plan_; }
  JournalState state() const { return summary_.state; }
  const JournalSummary& summary() const { return summary_; }
  void set_state(JournalState state, const std::string& detail = "");

  // The backup folder (opened), and the name of the N-th path's backup in it.
  int backup_dir() const { return backup_fd_.get(); }
  static std::string backup_name(std::size_t n) { return std::to_string(n); }
  // The temporary name beside the N-th path for its new content.
  std::string temp_name(std::size_t n) const {
    return ".bootstrap-" + id_ + "-" + std::to_string(n);
  }
  // Drops the backups (after a rollback put them back, or when asked to forget).
  void drop_backups();

 private:
  Journal(std::filesystem::path dir, std::string id, ChangePlan plan);
  void write_state();

  std::filesystem::path dir_;
  std::string id_;
  ChangePlan plan_;
  JournalSummary summary_;
  UniqueFd backup_fd_;
};

}  // namespace bootstrap
