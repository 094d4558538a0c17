#include "bootstrap/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bootstrap/iso_time.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string new_id(const fs::path& root) {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&t));
  std::string id = buf;
  for (int n = 2; fs::exists(root / id); ++n) id = std::string(buf) + "-" + std::to_string(n);
  return id;
}

void fsync_path(const fs::path& p, int flags) {
  UniqueFd fd(::open(p.c_str(), flags | O_CLOEXEC));
  if (!fd) throw SystemError("open(\"" + p.string() + "\")", errno);
  if (::fsync(fd.get()) != 0) throw SystemError("fsync(\"" + p.string() + "\")", errno);
}

// Writes `text` to `file` atomically and durably: temporary, fsync, rename, fsync the directory.
void write_durably(const fs::path& file, const std::string& text) {
  fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw SystemError("write(\"" + tmp.string() + "\")", errno ? errno : EIO);
  }
  fsync_path(tmp, O_RDONLY);
  if (::rename(tmp.c_str(), file.c_str()) != 0)
    throw SystemError("rename(\"" + tmp.string() + "\", \"" + file.string() + "\")", errno);
  fsync_path(file.parent_path(), O_RDONLY | O_DIRECTORY);
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw SystemError("open(\"" + file.string() + "\")", errno ? errno : ENOENT);
  return json::parse(in);
}

JournalState state_from(const std::string& s) {
  if (s == "committed") return JournalState::Committed;
  if (s == "rolling-back") return JournalState::RollingBack;
  if (s == "rolled-back") return JournalState::RolledBack;
  return JournalState::Committing;
}

JournalSummary summary_of(const fs::path& dir) {
  json state = read_json(dir / "state.json");
  JournalSummary s;
  s.id = dir.filename().string();
  s.state = state_from(state.value("state", ""));
  s.started = state.value("started", "");
  s.updated = state.value("updated", "");
  s.baseline = state.value("baseline", "");
  s.release = state.value("release", "");
  s.detail = state.value("detail", "");
  s.paths = state.value("paths", std::size_t{0});
  return s;
}

}  // namespace

std::string_view to_string(JournalState state) {
  switch (state) {
    case JournalState::Committing:
      return "committing";
    case JournalState::Committed:
      return "committed";
    case JournalState::RollingBack:
      return "rolling-back";
    case JournalState::RolledBack:
      return "rolled-back";
  }
  return "?";
}

fs::path Journal::root_of(const TargetTree& target) {
  return target.root() / "var/lib/bootstrap/journal";
}

Journal::Journal(fs::path dir, std::string id, ChangePlan plan)
    : dir_(std::move(dir)), id_(std::move(id)), plan_(std::move(plan)) {
  backup_fd_.reset(::open((dir_ / "backup").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!backup_fd_) throw SystemError("open(\"" + (dir_ / "backup").string() + "\")", errno);
}

Journal Journal::begin(const TargetTree& target, const ChangePlan& plan) {
  fs::path root = root_of(target);
  fs::create_directories(root);
  std::string id = new_id(root);
  fs::path dir = root / id;
  try {
    fs::create_directory(dir);
    fs::create_directory(dir / "backup");
    fs::permissions(dir, fs::perms::owner_all);
    write_durably(dir / "plan.json", plan.to_json().dump() + "\n");
    Journal j(dir, id, plan);
    j.summary_ = {id, JournalState::Committing, iso_now(), "", plan.baseline, plan.release,
                  "", plan.changes.size()};
    j.write_state();
    fsync_path(root, O_RDONLY | O_DIRECTORY);
    return j;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);  // nothing was changed yet: leave no half journal
    throw;
  }
}

Journal Journal::open(const TargetTree& target, const std::string& id) {
  fs::path dir = root_of(target) / id;
  if (id.empty() || id.find('/') != std::string::npos || !fs::is_directory(dir))
    throw std::runtime_error("no apply '" + id + "' on " + target.root().string() +
                             " ('bootstrap history' lists them)");
  Journal j(dir, id, ChangePlan::from_json(read_json(dir / "plan.json")));
  j.summary_ = summary_of(dir);
  return j;
}

std::vector<JournalSummary> Journal::list(const TargetTree& target) {
  std::vector<JournalSummary> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_of(target), ec))
    if (e.is_directory() && fs::exists(e.path() / "state.json"))
      out.push_back(summary_of(e.path()));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

void Journal::set_state(JournalState state, const std::string& detail) {
  summary_.state = state;
  summary_.detail = detail;
  write_state();
}

void Journal::write_state() {
  summary_.updated = iso_now();
  json j = {{"state", to_string(summary_.state)},
            {"started", summary_.started},
            {"updated", summary_.updated},
            {"baseline", summary_.baseline},
            {"release", summary_.release},
            {"detail", summary_.detail},
            {"paths", summary_.paths}};
  write_durably(dir_ / "state.json", j.dump(2) + "\n");
}

void Journal::drop_backups() {
  fs::path backups = dir_ / "backup";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(backups, ec)) fs::remove_all(e.path(), ec);
}

}  // namespace bootstrap
