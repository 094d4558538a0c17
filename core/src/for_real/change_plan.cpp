#include "bootstrap/change_plan.hpp"

#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>

#include "bootstrap/plan_report.hpp"

namespace bootstrap {
using Type = ManifestEntry::Type;
using nlohmann::json;

namespace {

bool metadata_only(const ManifestEntry& a, const ManifestEntry& b) {
  return a.type == Type::Dir && b.type == Type::Dir;
}

// The children of an opaque directory that the target has and the change set does not.
void hidden_children(const Manifest& upper, const TargetTree& target, const std::string& dir,
                     std::vector<PlannedChange>& out) {
  for (const auto& name : target.list(dir)) {
    std::string path = (dir == "/" ? "" : dir) + "/" + name;
    if (upper.find(path) != nullptr) continue;
    ManifestEntry gone;
    gone.path = path;
    gone.type = Type::Whiteout;
    out.push_back({path, PlannedAction::Remove, gone, target.read(path)});
  }
}

std::optional<PlannedChange> change_for(const ManifestEntry& e, const TargetTree& target) {
  std::optional<ManifestEntry> before = target.read(e.path);
  if (e.type == Type::Whiteout) {
    if (!before) return std::nullopt;  // already gone
    return PlannedChange{e.path, PlannedAction::Remove, e, before};
  }
  if (!before) return PlannedChange{e.path, PlannedAction::Create, e, before};
  if (same_state(*before, e)) return std::nullopt;
  PlannedAction action = metadata_only(*before, e) ? PlannedAction::Retag : PlannedAction::Replace;
  return PlannedChange{e.path, action, e, before};
}

std::string what_changed(const ManifestEntry& was, const ManifestEntry& now) {
  Manifest a({was}), b({now});
  auto diffs = compare(a, b, IgnoreRules{});
  if (diffs.empty()) return "";
  return diffs.front().to_string("planned", "now");
}

}  // namespace

std::string_view to_string(PlannedAction action) {
  switch (action) {
    case PlannedAction::Create:
      return "create";
    case PlannedAction::Replace:
      return "replace";
    case PlannedAction::Remove:
      return "remove";
    case PlannedAction::Retag:
      return "retag";
  }
  return "?";
}

std::vector<PlannedChange> plan_changes(const Manifest& upper, const TargetTree& target) {
  std::vector<PlannedChange> out;
  for (const ManifestEntry& e : upper.entries()) {
    auto change = change_for(e, target);
    if (change) out.push_back(*change);
    bool dir_stays = change && change->before && change->before->type == Type::Dir;
    bool hides = e.opaque && (dir_stays || (!change && e.type == Type::Dir));
    if (hides) hidden_children(upper, target, e.path, out);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> stale_paths(const std::vector<PlannedChange>& changes,
                                     const TargetTree& target) {
  std::vector<std::string> out;
  for (const PlannedChange& c : changes) {
    std::optional<ManifestEntry> now = target.read(c.path);
    if (!now && !c.before) continue;
    if (!now) {
      out.push_back(c.path + ": removed since the plan was made");
    } else if (!c.before) {
      out.push_back(c.path + ": created since the plan was made (" + describe(*now) + ")");
    } else if (!same_state(*c.before, *now)) {
      std::string why = what_changed(*c.before, *now);
      out.push_back(why.empty() ? c.path + ": changed since the plan was made" : why);
    }
  }
  return out;
}

namespace {

// ctime of `path` in `upper`, or of its nearest parent there.
std::int64_t ctime_in(const std::filesystem::path& upper, std::string path) {
  for (;;) {
    struct stat st {};
    std::string in = upper.string() + (path == "/" ? "" : path);
    if (::lstat(in.c_str(), &st) == 0)
      return static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
    if (path == "/") return 0;
    auto slash = path.rfind('/');
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void attribute_steps(std::vector<PlannedChange>& changes, const std::filesystem::path& upper,
                     const std::vector<StepEnd>& ends, const std::vector<PlannedStep>& steps) {
  std::map<std::string, int> named;
  for (const PlannedStep& s : steps)
    for (const Change& c : s.changes)
      if (c.what.starts_with("/")) named[c.what] = s.index;
  for (PlannedChange& c : changes) {
    if (auto it = named.find(c.path); it != named.end()) {
      c.step = it->second;
      continue;
    }
    bool removed = c.action == PlannedAction::Remove;
    std::int64_t written = ctime_in(upper, removed ? parent_of(c.path) : c.path);
    c.step = -1;
    for (const StepEnd& e : ends)
      if (written <= e.ended_ns) {
        c.step = e.step;
        break;
      }
  }
}

std::string filesystem_of(const std::string& path,
                          const std::vector<sandbox::MountPoint>& filesystems) {
  std::string best = "/";
  for (const auto& m : filesystems)
    if ((path == m.path || path.starts_with(m.path + "/")) && m.path.size() > best.size())
      best = m.path;
  return best;
}

std::string filesystems_changed(const ChangePlan& plan,
                                const std::vector<sandbox::MountPoint>& now) {
  auto listed = [](const std::vector<sandbox::MountPoint>& ms) {
    std::string out;
    for (const auto& m : ms) out += (out.empty() ? "" : ", ") + m.describe();
    return out.empty() ? std::string("none") : out;
  };
  if (plan.filesystems == now) return "";
  return "the filesystems mounted under " + plan.target + " are not the ones planned with (" +
         listed(plan.filesystems) + "; now " + listed(now) + ")";
}

std::size_t ChangePlan::count(PlannedAction action) const {
  return static_cast<std::size_t>(std::count_if(changes.begin(), changes.end(),
                                                [&](const auto& c) { return c.action == action; }));
}

json ChangePlan::to_json() const {
  json steps_j = json::array();
  for (const auto& s : steps) {
    json cs = json::array();
    for (const auto& c : s.changes)
      cs.push_back({{"kind", change_verb(c.kind)}, {"what", c.what}, {"detail", c.detail}});
    steps_j.push_back({{"index", s.index}, {"plugin", s.plugin}, {"changes", cs}});
  }
  json changes_j = json::array();
  for (const auto& c : changes)
    changes_j.push_back({{"path", c.path},
                         {"action", to_string(c.action)},
                         {"after", entry_to_json(c.after)},
                         {"before", c.before ? entry_to_json(*c.before) : json(nullptr)},
                         {"filesystem", c.filesystem},
                         {"step", c.step}});
  json filesystems_j = json::array();
  for (const auto& m : filesystems)
    filesystems_j.push_back({{"path", m.path}, {"fstype", m.fstype}, {"source", m.source}});
  return {{"schema_version", 1},
          {"baseline", baseline},
          {"baseline_file", baseline_file},
          {"baseline_digest", baseline_digest},
          {"release", release},
          {"target", target},
          {"made_at", made_at},
          {"change_set", change_set},
          {"filesystems", filesystems_j},
          {"steps", steps_j},
          {"changes", changes_j}};
}

ChangePlan ChangePlan::from_json(const json& j) {
  if (j.value("schema_version", 0) != 1)
    throw std::invalid_argument("not a bootstrap plan (schema_version 1)");
  ChangePlan p;
  p.baseline = j.at("baseline").get<std::string>();
  p.baseline_file = j.value("baseline_file", "");
  p.baseline_digest = j.at("baseline_digest").get<std::string>();
  p.release = j.value("release", "");
  p.target = j.at("target").get<std::string>();
  p.made_at = j.value("made_at", "");
  p.change_set = j.at("change_set").get<std::string>();
  for (const auto& s : j.at("steps")) {
    PlannedStep step{s.at("index").get<int>(), s.at("plugin").get<std::string>(), {}};
    for (const auto& c : s.at("changes")) {
      std::string kind = c.at("kind").get<std::string>();
      step.changes.push_back({kind == "created"    ? ChangeKind::Created
                              : kind == "modified" ? ChangeKind::Modified
                                                   : ChangeKind::Removed,
                              c.at("what").get<std::string>(), c.value("detail", "")});
    }
    p.steps.push_back(std::move(step));
  }
  for (const auto& c : j.at("changes")) {
    PlannedChange pc;
    pc.path = c.at("path").get<std::string>();
    std::string a = c.at("action").get<std::string>();
    pc.action = a == "create"    ? PlannedAction::Create
                : a == "replace" ? PlannedAction::Replace
                : a == "remove"  ? PlannedAction::Remove
                : a == "retag"   ? PlannedAction::Retag
                                 : throw std::invalid_argument("plan: unknown action '" + a + "'");
    pc.after = entry_from_json(c.at("after"));
    if (!c.at("before").is_null()) pc.before = entry_from_json(c.at("before"));
    pc.filesystem = c.value("filesystem", "/");
    pc.step = c.value("step", -1);
    p.changes.push_back(std::move(pc));
  }
  for (const auto& m : j.value("filesystems", json::array()))
    p.filesystems.push_back(
        {m.at("path").get<std::string>(), m.value("fstype", ""), m.value("source", "")});
  return p;
}

}  // namespace bootstrap
