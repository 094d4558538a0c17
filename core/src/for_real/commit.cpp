#include "bootstrap/commit.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/system_error.hpp"
#include "tree_ops.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using Type = ManifestEntry::Type;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// BOOTSTRAP_TEST_COMMIT_HOOK="N:kill" or "N:run:CMD" (see commit.hpp).
void commit_point(int point) {
  const char* hook = std::getenv("BOOTSTRAP_TEST_COMMIT_HOOK");
  if (hook == nullptr) return;
  std::string h = hook;
  auto colon = h.find(':');
  if (colon == std::string::npos || std::atoi(h.substr(0, colon).c_str()) != point) return;
  std::string what = h.substr(colon + 1);
  if (what == "kill") ::kill(::getpid(), SIGKILL);
  if (what.starts_with("run:")) {
    if (std::system(what.substr(4).c_str()) != 0)
      throw std::runtime_error("test hook failed: " + what);
  }
}

class TargetChanged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One fd per filesystem touched, for syncfs.
class Syncer {
 public:
  void add(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || fds_.count(st.st_dev)) return;
    // syncfs needs a descriptor that is not O_PATH (the parents the commit opens are).
    UniqueFd readable(::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!readable) throw SystemError("openat(\".\") for syncfs", errno);
    fds_[st.st_dev] = std::move(readable);
  }
  void sync_all() {
    for (auto& [dev, fd] : fds_)
      if (::syncfs(fd.get()) != 0) throw SystemError("syncfs", errno);
  }

 private:
  std::map<dev_t, UniqueFd> fds_;
};

struct Commit {
  const TargetTree& target;
  Journal& journal;
  fs::path upper;
  Syncer sync;
  // Hard links within the change set: (dev, inode) of its copy -> the first path staged for it.
  std::map<std::pair<dev_t, ino_t>, std::size_t> linked;
  // What stage saw of each path it will replace in place (after saving it), to tell at the
  // switch whether anything wrote to it meanwhile.
  std::map<std::size_t, struct stat> staged;

  const std::vector<PlannedChange>& changes() const { return journal.plan().changes; }
  std::string backup(std::size_t n) const { return Journal::backup_name(n); }

  void expect_as_planned(const PlannedChange& c) {
    auto now = target.read(c.path);
    bool same = (!now && !c.before) || (now && c.before && same_state(*now, *c.before));
    if (same) return;
    auto why = stale_paths({c}, target);
    throw TargetChanged(why.empty() ? c.path : why.front());
  }

  void make_new(int dir, std::size_t n, const PlannedChange& c) {
    std::string temp = journal.temp_name(n);
    tree_ops::remove_any(dir, temp);  // left by a crash
    std::string source = (upper / c.path.substr(1)).string();
    struct stat st {};
    if (c.after.type == Type::File && ::lstat(source.c_str(), &st) == 0 && st.st_nlink > 1) {
      auto [it, first] = linked.emplace(std::make_pair(st.st_dev, st.st_ino), n);
      if (!first && link_to(it->second, dir, temp)) return;
    }
    tree_ops::make_node(dir, temp, c.after, source);
  }

  bool link_to(std::size_t first, int dir, const std::string& temp) {
    auto [first_dir, name] = target.parent(changes()[first].path);
    return ::linkat(first_dir.get(), journal.temp_name(first).c_str(), dir, temp.c_str(), 0) == 0;
  }

  void stage(std::size_t n) {
    const PlannedChange& c = changes()[n];
    expect_as_planned(c);
    auto [dir, name] = target.parent(c.path);
    sync.add(dir.get());
    bool to_dir = c.after.type == Type::Dir;
    bool from_dir = c.before && c.before->type == Type::Dir;
    switch (c.action) {
      case PlannedAction::Create:
        if (to_dir)
          tree_ops::make_dir(dir.get(), name, c.after);
        else
          make_new(dir.get(), n, c);
        break;
      case PlannedAction::Replace:
        if (to_dir) {
          tree_ops::move_away(dir.get(), name, journal.backup_dir(), backup(n));
          target.forget();
          tree_ops::make_dir(dir.get(), name, c.after);
        } else {
          if (!from_dir) {
            tree_ops::save_link(dir.get(), name, journal.backup_dir(), backup(n));
            remember(dir.get(), name, n);
          }
          make_new(dir.get(), n, c);
        }
        break;
      case PlannedAction::Retag:
      case PlannedAction::Remove:
        break;
    }
  }

  void switch_one(std::size_t n) {
    const PlannedChange& c = changes()[n];
    auto [dir, name] = target.parent(c.path);
    std::string temp = journal.temp_name(n);
    bool to_dir = c.after.type == Type::Dir;
    bool from_dir = c.before && c.before->type == Type::Dir;
    switch (c.action) {
      case PlannedAction::Create:
        if (!to_dir) rename_new(dir.get(), temp, name, c.path, false);
        break;
      case PlannedAction::Replace:
        if (to_dir) break;
        if (from_dir) {
          expect_as_planned(c);
          tree_ops::move_away(dir.get(), name, journal.backup_dir(), backup(n));
          target.forget();
          rename_new(dir.get(), temp, name, c.path, false);
        } else {
          expect_saved(dir.get(), name, n, c.path);
          rename_new(dir.get(), temp, name, c.path, true);
        }
        break;
      case PlannedAction::Retag:
        expect_as_planned(c);
        tree_ops::retag_dir(dir.get(), name, c.after);
        break;
      case PlannedAction::Remove:
        expect_as_planned(c);
        tree_ops::move_away(dir.get(), name, journal.backup_dir(), backup(n));
        target.forget();
        break;
    }
  }

  void rename_new(int dir, const std::string& temp, const std::string& name,
                  const std::string& path, bool replace) {
    try {
      tree_ops::rename_to(dir, temp, dir, name, replace);
    } catch (const SystemError& e) {
      if (e.error_number() == EEXIST)
        throw TargetChanged(path + ": created since the plan was made");
      throw;
    }
  }

  void remember(int dir, const std::string& name, std::size_t n) {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      throw SystemError("fstatat(" + name + ")", errno);
    staged[n] = st;
  }

  // The path is still what stage saved: the same inode, not written to since.
  void expect_saved(int dir, const std::string& name, std::size_t n, const std::string& path) {
    struct stat now {};
    if (::fstatat(dir, name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0)
      throw TargetChanged(path + ": removed during the commit");
    const struct stat& then = staged.at(n);
    auto same_time = [](const timespec& a, const timespec& b) {
      return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
    };
    if (now.st_dev != then.st_dev || now.st_ino != then.st_ino)
      throw TargetChanged(path + ": replaced during the commit");
    if (now.st_size != then.st_size || !same_time(now.st_mtim, then.st_mtim) ||
        !same_time(now.st_ctim, then.st_ctim) || now.st_mode != then.st_mode)
      throw TargetChanged(path + ": written to during the commit");
  }

  void run(CommitResult& r) {
    std::string moved = filesystems_changed(
        journal.plan(), sandbox::mounts_under(target.root(), {sandbox::default_cache_root()}));
    if (!moved.empty()) throw TargetChanged(moved);
    commit_point(1);
    std::size_t count = changes().size();
    auto t = Clock::now();
    for (std::size_t n = 0; n < count; ++n) {
      stage(n);
      if (n == count / 2) commit_point(2);
    }
    r.stage_seconds = since(t);
    t = Clock::now();
    sync.sync_all();
    r.sync_seconds = since(t);
    commit_point(3);
    t = Clock::now();
    for (std::size_t n = 0; n < count; ++n) {
      switch_one(n);
      if (n == count / 2) commit_point(4);
    }
    r.switch_seconds = since(t);
    t = Clock::now();
    sync.sync_all();
    r.sync_seconds += since(t);
    commit_point(5);
    journal.set_state(JournalState::Committed, std::to_string(count) + " paths committed");
    commit_point(6);
  }
};

bool has_temp(const PlannedChange& c) {
  bool to_dir = c.after.type == Type::Dir;
  return (c.action == PlannedAction::Create || c.action == PlannedAction::Replace) && !to_dir;
}

// Undoes change n, whatever part of it was done.
void undo(const TargetTree& target, Journal& journal, std::size_t n,
          std::vector<std::string>& notes) {
  const PlannedChange& c = journal.plan().changes[n];
  UniqueFd dir;
  std::string name;
  try {
    std::tie(dir, name) = target.parent(c.path);
  } catch (const SystemError& e) {
    if (e.error_number() == ENOENT) return;  // its parent was never made
    throw;
  }
  if (has_temp(c) && ::unlinkat(dir.get(), journal.temp_name(n).c_str(), 0) != 0 && errno != ENOENT)
    throw SystemError("unlinkat(" + journal.temp_name(n) + ")", errno);
  std::string backup = Journal::backup_name(n);
  switch (c.action) {
    case PlannedAction::Create:
      if (c.after.type != Type::Dir) {
        if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT)
          throw SystemError("unlinkat(" + c.path + ")", errno);
      } else {
        if (::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
          notes.push_back(c.path + ": not removed (" + std::string(std::strerror(errno)) + ")");
        target.forget();
      }
      break;
    case PlannedAction::Replace:
    case PlannedAction::Remove:
      if (tree_ops::exists(journal.backup_dir(), backup)) {
        tree_ops::put_back(journal.backup_dir(), backup, dir.get(), name);
        target.forget();
      }
      break;
    case PlannedAction::Retag:
      if (c.before && tree_ops::exists(dir.get(), name))
        tree_ops::retag_dir(dir.get(), name, *c.before);
      break;
  }
}

// syncfs on the target's root and each filesystem the plan names (that is still there).
void sync_filesystems(const TargetTree& target, const ChangePlan& plan) {
  Syncer sync;
  sync.add(target.root_fd());
  for (const auto& m : plan.filesystems) {
    try {
      sync.add(target.open_dir(m.path).get());
    } catch (const SystemError&) {
      // not there any more: nothing of it to sync
    }
  }
  sync.sync_all();
}

}  // namespace

CommitResult commit(const TargetTree& target, Journal& journal, const fs::path& upper_dir) {
  auto start = Clock::now();
  CommitResult result;
  Commit c{target, journal, upper_dir, {}, {}, {}};
  c.sync.add(target.root_fd());
  try {
    c.run(result);
    result.committed = true;
  } catch (const TargetChanged& e) {
    result.changed = {e.what()};
    result.error = std::string("the target changed during the commit: ") + e.what();
  } catch (const std::exception& e) {
    result.error = std::string("the commit failed: ") + e.what();
  }
  if (!result.committed) {
    try {
      RollbackResult r = roll_back(target, journal, result.error);
      for (const auto& n : r.notes) result.error += "; " + n;
      for (const auto& d : r.differing) result.error += "; " + d;
    } catch (const std::exception& e) {
      result.error += std::string("; the rollback stopped: ") + e.what() +
                      " (the next bootstrap command on this target finishes it)";
    }
  }
  result.seconds = since(start);
  return result;
}

// The journal's state, when it can be written: a full disk must not stop a rollback (the state
// left says "committing" or "rolling-back", and the next command rolls back again, which is
// harmless: every undo step is idempotent).
void try_set_state(Journal& journal, JournalState state, const std::string& detail,
                   std::vector<std::string>& notes) {
  try {
    journal.set_state(state, detail);
  } catch (const std::exception& e) {
    notes.push_back(std::string("the journal's state could not be written: ") + e.what());
  }
}

RollbackResult roll_back(const TargetTree& target, Journal& journal, const std::string& why) {
  auto start = Clock::now();
  RollbackResult r;
  try_set_state(journal, JournalState::RollingBack, why, r.notes);
  const auto& changes = journal.plan().changes;
  for (std::size_t n = changes.size(); n-- > 0;) undo(target, journal, n, r.notes);
  sync_filesystems(target, journal.plan());
  // Put back by rename, a path is its old inode again: its shape tells (content is not re-read).
  for (const PlannedChange& c : changes) {
    auto now = target.read(c.path, false);
    bool same = (!now && !c.before) || (now && c.before && same_shape(*now, *c.before));
    if (same)
      ++r.restored;
    else
      r.differing.push_back(c.path + ": not as before the apply");
  }
  if (r.differing.empty()) journal.drop_backups();
  try_set_state(journal, JournalState::RolledBack,
                why + (r.differing.empty() ? ""
                                           : "; " + std::to_string(r.differing.size()) +
                                                 " paths differ, their backups are kept"),
                r.notes);
  r.seconds = since(start);
  return r;
}

std::vector<std::string> recover(const TargetTree& target) {
  std::vector<std::string> out;
  for (const JournalSummary& s : Journal::list(target)) {
    if (s.state != JournalState::Committing && s.state != JournalState::RollingBack) continue;
    Journal j = Journal::open(target, s.id);
    std::string was = s.state == JournalState::Committing ? "committing" : "rolling back";
    RollbackResult r =
        roll_back(target, j, "interrupted while " + was + "; rolled back by recovery");
    out.push_back("apply " + s.id + " was interrupted while " + was + "; rolled back (" +
                  std::to_string(r.restored) + " paths as before" +
                  (r.differing.empty() ? "" : ", " + std::to_string(r.differing.size()) + " not") +
                  ")");
  }
  return out;
}

}  // namespace bootstrap
