#include "for_real.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "bootstrap/commit.hpp"
#include "bootstrap/iso_time.hpp"
#include "bootstrap/journal.hpp"
#include "bootstrap/manifest.hpp"
#include "bootstrap/plan_report.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap::cli {
namespace fs = std::filesystem;

namespace {

// Why `root` is not a Debian root, or "".
std::string not_debian(const fs::path& root, const sandbox::Image& image) {
  if (image.release.empty())
    return root.string() + " is not a Debian root: " + (root / "etc/os-release").string() +
           " names no VERSION_CODENAME";
  if (!fs::is_regular_file(root / "var/lib/dpkg/status"))
    return root.string() + " is not a Debian root: it has no var/lib/dpkg/status";
  return "";
}

std::string painted(Console& console, PlannedAction a) {
  std::string w = fmt::format("{:<8}", to_string(a));
  if (a == PlannedAction::Create) return console.green(w);
  if (a == PlannedAction::Remove) return console.red(w);
  return console.yellow(w);
}

std::string what_of(const PlannedChange& c) {
  if (c.action == PlannedAction::Remove) return c.before ? "was " + describe(*c.before) : "";
  if (c.action == PlannedAction::Create || !c.before) return describe(c.after);
  return describe(*c.before) + " -> " + describe(c.after);
}

void print_named_changes(Console& console, const Outcome& changes) {
  for (const Change& c : changes) {
    console.out(fmt::format("  {:<9} {}{}", change_verb(c.kind), c.what,
                            c.detail.empty() ? "" : "  " + console.dim(c.detail)));
  }
}

// Paths with their action; a created directory's contents folded into one line unless verbose.
void print_paths(Console& console, const std::vector<const PlannedChange*>& changes, bool verbose) {
  std::string folded;
  std::size_t inside = 0;
  auto flush = [&] {
    if (!folded.empty() && inside > 0)
      console.out(console.dim(
          fmt::format("           ... and {} paths inside {} (-v lists them)", inside, folded)));
    folded.clear();
    inside = 0;
  };
  for (const PlannedChange* c : changes) {
    if (!folded.empty() && c->path.starts_with(folded + "/") &&
        c->action == PlannedAction::Create) {
      ++inside;
      continue;
    }
    flush();
    console.out(
        fmt::format("  {} {}  {}", painted(console, c->action), c->path, console.dim(what_of(*c))));
    if (!verbose && c->action == PlannedAction::Create && c->after.type == ManifestEntry::Type::Dir)
      folded = c->path;
  }
  flush();
}

std::vector<const PlannedChange*> paths_of_step(const ChangePlan& plan, int step) {
  std::vector<const PlannedChange*> out;
  for (const PlannedChange& c : plan.changes)
    if (c.step == step) out.push_back(&c);
  return out;
}

void print_filesystems(Console& console, const ChangePlan& plan) {
  if (plan.filesystems.empty()) return;
  std::map<std::string, std::size_t> per_fs;
  for (const PlannedChange& c : plan.changes) ++per_fs[c.filesystem];
  std::string line = "filesystems written:";
  for (const auto& m : plan.filesystems)
    line += fmt::format(" {} ({}) {},", m.path, m.fstype, per_fs[m.path]);
  console.out(line + fmt::format(" / {}", per_fs["/"]));
}

}  // namespace

void require_root(const std::string& what) {
  if (::geteuid() != 0)
    throw EnvironmentError(what +
                           " changes a host as root and must run as root (sudo); checking a "
                           "baseline needs no root: bootstrap check");
}

std::optional<Target> open_target(const std::string& root_option, Console& console) {
  fs::path root = root_option.empty() ? fs::path("/") : fs::canonical(root_option);
  Target t;
  t.root = root;
  t.image = sandbox::root_image(root, root == "/" ? "host" : "root:" + root.string());
  if (std::string why = not_debian(root, t.image); !why.empty()) {
    console.error(why);
    return std::nullopt;
  }
  t.tree = std::make_unique<TargetTree>(root);
  // flock on the root directory itself: nothing is written to take it.
  t.lock = sandbox::FileLock::try_acquire(
      UniqueFd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
  if (!t.lock) {
    console.error("another bootstrap is planning, applying to or rolling back " + root.string() +
                  " (it holds a lock on the directory)");
    return std::nullopt;
  }
  for (const std::string& line : recover(*t.tree)) console.warn("recovered: " + line);
  return t;
}

ChangePlan plan_of(const ConfiguredBaseline& baseline, const Target& target,
                   const Prepared& prepared) {
  Manifest upper = build_manifest(prepared.upper());
  ChangePlan plan;
  plan.baseline = baseline.baseline.name;
  plan.baseline_file = baseline.baseline.file.string();
  plan.baseline_digest = baseline.baseline.digest;
  plan.release = target.image.release;
  plan.target = target.root.string();
  plan.made_at = iso_now();
  plan.change_set = upper.digest();
  for (const StepReport& s : prepared.steps.applied)
    plan.steps.push_back({s.index, s.plugin, s.changes});
  plan.changes = plan_changes(upper, *target.tree);
  std::vector<StepEnd> ends;
  for (const StepReport& s : prepared.steps.applied) ends.push_back({s.index, s.ended_ns});
  attribute_steps(plan.changes, prepared.upper(), ends, plan.steps);
  plan.filesystems = target.image.submounts;
  for (PlannedChange& c : plan.changes) c.filesystem = filesystem_of(c.path, plan.filesystems);
  return plan;
}

void print_plan(Console& console, const ChangePlan& plan, bool verbose) {
  std::size_t shown = 0;
  for (const PlannedStep& s : plan.steps) {
    auto paths = paths_of_step(plan, s.index);
    shown += paths.size();
    console.out(console.bold(fmt::format("step {} {}", s.index + 1, s.plugin)) +
                console.dim(fmt::format("  ({} changes, {} paths on {})", s.changes.size(),
                                        paths.size(), plan.target)));
    print_named_changes(console, s.changes);
    print_paths(console, paths, verbose);
  }
  if (shown < plan.changes.size()) {
    std::vector<const PlannedChange*> rest;
    for (const PlannedChange& c : plan.changes)
      if (std::none_of(plan.steps.begin(), plan.steps.end(),
                       [&](const PlannedStep& s) { return s.index == c.step; }))
        rest.push_back(&c);
    console.out(console.bold("paths no step is known to have written") +
                console.dim(fmt::format("  ({})", rest.size())));
    print_paths(console, rest, verbose);
  }
  console.out(fmt::format("plan: {} paths: {} created, {} replaced, {} removed, {} retagged",
                          plan.changes.size(), plan.count(PlannedAction::Create),
                          plan.count(PlannedAction::Replace), plan.count(PlannedAction::Remove),
                          plan.count(PlannedAction::Retag)));
  print_filesystems(console, plan);
}

void save_plan(const fs::path& dir, const ChangePlan& plan, const fs::path& change_set) {
  if (fs::exists(dir))
    throw std::runtime_error("plan " + dir.string() + " exists already; choose another name");
  fs::create_directories(dir);
  copy_tree(change_set, change_set_of(dir));
  std::ofstream out(dir / "plan.json");
  out << plan.to_json().dump(1) << "\n";
  if (!out.flush()) throw std::runtime_error("cannot write " + (dir / "plan.json").string());
}

ChangePlan load_plan(const fs::path& dir) {
  std::ifstream in(dir / "plan.json");
  if (!in)
    throw std::runtime_error(
        dir.string() + " is not a saved plan (no plan.json; 'bootstrap plan -o DIR' makes one)");
  ChangePlan plan = ChangePlan::from_json(nlohmann::json::parse(in));
  std::string digest = build_manifest(change_set_of(dir)).digest();
  if (digest != plan.change_set)
    throw std::runtime_error("the change set in " + dir.string() +
                             " is not the one its plan describes (" + digest + ", planned " +
                             plan.change_set + ")");
  return plan;
}

}  // namespace bootstrap::cli
