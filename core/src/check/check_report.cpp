#include "bootstrap/check_report.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bootstrap/iso_time.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string verdict_word(const Verdict& v) {
  return !v.ran ? "not run" : v.passed ? "passed" : "FAILED";
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
          out += '?';
        else
          out += c;
    }
  }
  return out;
}

struct NamedVerdict {
  const char* name;
  const Verdict* verdict;
};

std::vector<NamedVerdict> verdicts(const ReleaseReport& r) {
  if (r.upgrade)
    return {{"upgraded", &r.upgrade->upgraded},
            {"converged", &r.upgrade->converged},
            {"equivalent", &r.upgrade->equivalent}};
  return {{"applied", &r.applied},
          {"repeatable", &r.repeatable},
          {"idempotent", &r.idempotent},
          {"verified", &r.verified}};
}

// --show-changes: one line per path with the step that wrote it, except that a created folder
// whose whole content one step created, and which holds more than a screenful, is one line with
// a count (a venv, a package's tree). -v lists every path. Paths sharing a prefix are contiguous
// in sorted order, so a folder's content is the range after it that starts with "folder/".
void print_changes(Console& console, const ConfiguredBaseline& baseline, const ReleaseReport& r) {
  constexpr std::size_t kFold = 12;
  auto by = [&](int step) {
    return step >= 0 && static_cast<std::size_t>(step) < baseline.steps.size()
               ? step_name(baseline.steps[static_cast<std::size_t>(step)].step)
               : std::string("?");
  };
  console.out(fmt::format("  what '{}' writes on {} ({} paths):", baseline.baseline.name, r.release,
                          r.changes.size()));
  const auto& c = r.changes;
  for (std::size_t i = 0; i < c.size(); ++i) {
    std::string prefix = c[i].path == "/" ? "/" : c[i].path + "/";
    std::size_t end = i + 1;
    while (end < c.size() && c[end].path.compare(0, prefix.size(), prefix) == 0) ++end;
    std::size_t inside = end - i - 1;
    bool fold = console.verbosity() == 0 && c[i].kind == "created" && inside > kFold;
    // A host's identity is always listed, never folded away.
    for (std::size_t k = i + 1; fold && k < end; ++k)
      fold = c[k].kind == "created" && c[k].step == c[i + 1].step && !c[k].per_host;
    if (fold) {
      console.out(
          fmt::format("    {:<9} {}  {}", c[i].kind, c[i].path,
                      console.dim(fmt::format("by {}, and {} paths inside by {} (-v lists them)",
                                              by(c[i].step), inside, by(c[i + 1].step)))));
      i = end - 1;
      continue;
    }
    console.out(fmt::format(
        "    {:<9} {}  {}", c[i].kind, c[i].path,
        console.dim("by " + by(c[i].step) +
                    (c[i].per_host ? " (per host: differs on every host, never compared)" : ""))));
  }
}

}  // namespace

void print_check_report(Console& console, const ConfiguredBaseline& baseline,
                        const std::vector<ReleaseReport>& reports, bool show_changes) {
  std::size_t passed = 0;
  std::size_t failed = 0;
  for (const ReleaseReport& r : reports) {
    console.out("");
    console.out(
        console.bold(fmt::format("{} ({}): {}", r.image, r.release.empty() ? "?" : r.release,
                                 r.passed() ? console.green("passed") : console.red("FAILED"))) +
        console.dim(fmt::format("  {:.1f}s", r.seconds)));
    if (!r.reused_from.empty())
      console.out(
          console.dim("  nothing changed since the check of " + r.reused_from + "; reused"));
    if (!r.environment_error.empty()) {
      console.out("  " + console.red("cannot check: ") + r.environment_error);
      ++failed;
      continue;
    }
    // No steps: the check stopped before the runs (image or fetch failed); the verdict says why.
    if (!r.steps.empty()) {
      console.out(console.dim(fmt::format(
          "  fetch: {}",
          !r.fetch_needed ? "nothing to fetch"
          : r.fetch_cached
              ? "prepared layer reused, 0 bytes fetched"
              : fmt::format("{:.1f} MB fetched", static_cast<double>(r.fetched_bytes) / 1e6))));
      console.out(fmt::format("  {:<4} {:<14} {:>9} {:>9} {:>9} {:>8} {:>8}  {}", "step", "plugin",
                              "changes A", "changes B", "re-apply", "time A", "time B", "checks"));
    }
    double saved = 0;
    for (const StepOutcome& o : r.steps) {
      std::size_t ok = 0;
      for (const auto& c : o.checks) ok += c.passed ? 1 : 0;
      std::string time_a = o.cached ? "cached" : fmt::format("{:.2f}s", o.seconds_a);
      std::string time_b = o.cached_b ? "cached" : fmt::format("{:.2f}s", o.seconds_b);
      saved += (o.cached ? o.seconds_saved : 0) + (o.cached_b ? o.seconds_b : 0);
      console.out(fmt::format("  {:<4} {:<14} {:>9} {:>9} {:>9} {:>8} {:>8}  {}/{}", o.index + 1,
                              o.plugin, o.changes_a, o.changes_b, o.changes_reapply, time_a, time_b,
                              ok, o.checks.size()));
      for (const auto& c : o.checks)
        if (c.passed && console.verbosity() > 0)
          console.out("       " + console.green("ok ") + c.name +
                      (c.detail.empty() ? "" : ": " + c.detail));
      for (const auto& n : o.notes) console.out("       " + console.yellow("note: ") + n);
    }
    if (r.services > 0)
      console.out(
          console.dim(fmt::format("  services for the checks: {} started, all ready in {:.2f}s",
                                  r.services, r.services_seconds)));
    if (r.upgrade && r.upgrade->upgraded.passed)
      console.out(console.dim(fmt::format(
          "  upgrade {}..{}: full-upgrade changed {} package(s) in {:.1f}s", r.upgrade->from,
          r.upgrade->to, r.upgrade->packages_upgraded, r.upgrade->seconds_upgrade)));
    if (r.upgrade && r.upgrade->equivalent.ran)
      console.out(console.dim(fmt::format(
          "  against a fresh {} host: {} path(s) and {} package(s) differ, {} of them not "
          "accepted by upgrade_ignore",
          r.upgrade->to, r.upgrade->paths_differ, r.upgrade->packages.size(),
          r.upgrade->equivalent.messages.size())));
    if (saved > 0)
      console.out(
          console.dim(fmt::format("  runs A and B reused cached layers: {:.1f}s saved", saved)));
    for (const auto& [name, v] : verdicts(r)) {
      v->passed ? ++passed : ++failed;
      console.out(fmt::format("  {:<11} {}", name,
                              v->passed ? console.green("passed") : console.red(verdict_word(*v))));
      std::size_t shown = 0;
      for (const auto& m : v->messages) {
        if (++shown > 20) {
          console.out(fmt::format("      ... and {} more (see --json)", v->messages.size() - 20));
          break;
        }
        console.out("      " + m);
      }
    }
    for (const StepOutcome& o : r.steps)
      for (const auto& c : o.checks)
        if (c.passed && c.headline && c.name.rfind("A: ", 0) == 0)
          console.out(console.dim("  " + c.detail));
    if (show_changes) print_changes(console, baseline, r);
  }
  console.out("");
  console.out(fmt::format("{} passed, {} failed", passed, failed));
}

std::string release_json(const ReleaseReport& r) {
  json steps = json::array();
  for (const StepOutcome& o : r.steps) {
    json checks = json::array();
    for (const auto& c : o.checks)
      checks.push_back(
          {{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}, {"headline", c.headline}});
    steps.push_back({{"index", o.index + 1},
                     {"plugin", o.plugin},
                     {"changes_a", o.changes_a},
                     {"changes_b", o.changes_b},
                     {"changes_reapply", o.changes_reapply},
                     {"seconds_a", o.seconds_a},
                     {"seconds_b", o.seconds_b},
                     {"seconds_checks", o.seconds_checks},
                     {"cached", o.cached},
                     {"cached_b", o.cached_b},
                     {"seconds_saved", o.seconds_saved},
                     {"error", o.error},
                     {"checks", checks},
                     {"notes", o.notes}});
  }
  json v = json::object();
  for (const auto& [name, verdict] : verdicts(r))
    v[name] = {{"passed", verdict->passed}, {"ran", verdict->ran}, {"messages", verdict->messages}};
  json changes = json::array();
  for (const auto& c : r.changes)
    changes.push_back(
        {{"kind", c.kind}, {"path", c.path}, {"step", c.step + 1}, {"per_host", c.per_host}});
  json upgrade = nullptr;
  if (r.upgrade)
    upgrade = {{"from", r.upgrade->from},
               {"to", r.upgrade->to},
               {"paths_differ", r.upgrade->paths_differ},
               {"packages", r.upgrade->packages},
               {"packages_upgraded", r.upgrade->packages_upgraded},
               {"seconds_upgrade", r.upgrade->seconds_upgrade}};
  return json{{"image", r.image},
              {"upgrade", upgrade},
              {"release", r.release},
              {"image_digest", r.image_digest},
              {"passed", r.passed()},
              {"environment_error", r.environment_error},
              {"seconds", r.seconds},
              {"fetched_bytes", r.fetched_bytes},
              {"fetch_cached", r.fetch_cached},
              {"fetch_needed", r.fetch_needed},
              {"manifest_digest", r.manifest_digest},
              {"services", r.services},
              {"services_seconds", r.services_seconds},
              {"reused_from", r.reused_from},
              {"verdicts", v},
              {"steps", steps},
              {"changes", changes}}
      .dump();
}

ReleaseReport release_from_json(const std::string& text) {
  json j = json::parse(text);
  ReleaseReport r;
  r.image = j.at("image");
  r.release = j.at("release");
  r.image_digest = j.at("image_digest");
  r.environment_error = j.at("environment_error");
  r.seconds = j.at("seconds");
  r.fetched_bytes = j.at("fetched_bytes");
  r.fetch_cached = j.at("fetch_cached");
  r.fetch_needed = j.at("fetch_needed");
  r.manifest_digest = j.at("manifest_digest");
  r.services = j.value("services", 0);
  r.services_seconds = j.value("services_seconds", 0.0);
  r.reused_from = j.value("reused_from", "");
  if (j.contains("upgrade") && j["upgrade"].is_object()) {
    const json& u = j["upgrade"];
    r.upgrade.emplace();
    r.upgrade->from = u.at("from");
    r.upgrade->to = u.at("to");
    r.upgrade->paths_differ = u.value("paths_differ", std::size_t{0});
    r.upgrade->packages = u.value("packages", std::vector<std::string>{});
    r.upgrade->packages_upgraded = u.value("packages_upgraded", std::size_t{0});
    r.upgrade->seconds_upgrade = u.value("seconds_upgrade", 0.0);
  }
  for (const auto& [name, verdict] : verdicts(r)) {
    auto& v = const_cast<Verdict&>(*verdict);
    const json& jv = j.at("verdicts").at(name);
    v.passed = jv.at("passed");
    v.ran = jv.at("ran");
    v.messages = jv.at("messages").get<std::vector<std::string>>();
  }
  for (const auto& js : j.at("steps")) {
    StepOutcome o;
    o.index = js.at("index").get<int>() - 1;
    o.plugin = js.at("plugin");
    o.changes_a = js.at("changes_a");
    o.changes_b = js.at("changes_b");
    o.changes_reapply = js.at("changes_reapply");
    o.seconds_a = js.at("seconds_a");
    o.seconds_b = js.at("seconds_b");
    o.seconds_checks = js.value("seconds_checks", 0.0);
    o.cached = js.at("cached");
    o.cached_b = js.value("cached_b", false);
    o.seconds_saved = js.at("seconds_saved");
    o.error = js.at("error");
    for (const auto& n : js.value("notes", json::array())) o.notes.push_back(n.get<std::string>());
    for (const auto& c : js.at("checks"))
      o.checks.push_back({c.at("name"), c.at("passed"), c.at("detail"), c.at("headline")});
    r.steps.push_back(std::move(o));
  }
  for (const auto& c : j.at("changes"))
    r.changes.push_back(
        {c.at("kind"), c.at("path"), c.value("step", 0) - 1, c.value("per_host", false)});
  return r;
}

std::string check_json(const ConfiguredBaseline& baseline,
                       const std::vector<ReleaseReport>& reports) {
  json releases = json::array();
  for (const ReleaseReport& r : reports) releases.push_back(json::parse(release_json(r)));
  json doc = {{"schema_version", kCheckJsonSchema},
              {"tool", "bootstrap"},
              {"baseline",
               {{"name", baseline.baseline.name},
                {"file", baseline.baseline.file.string()},
                {"digest", baseline.baseline.digest}}},
              {"releases", releases}};
  return doc.dump(2) + "\n";
}

std::string junit_xml(const std::string& title, const std::vector<BaselineReports>& groups) {
  std::string body;
  std::size_t total_tests = 0, total_failures = 0;
  double total_time = 0;
  for (const BaselineReports& g : groups) {
    for (const ReleaseReport& r : g.releases) {
      std::string cases;
      std::size_t tests = 0, failures = 0;
      std::string suite = g.baseline_name + "." + (r.release.empty() ? r.image : r.release);
      auto add = [&](const std::string& name, double seconds, bool ok,
                     const std::vector<std::string>& messages) {
        ++tests;
        cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"",
                             xml_escape(suite), xml_escape(name), seconds);
        if (ok) {
          cases += "/>\n";
          return;
        }
        ++failures;
        std::string text;
        for (const auto& m : messages) text += m + "\n";
        cases += fmt::format(
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            xml_escape(messages.empty() ? "failed" : messages.front()), xml_escape(name),
            xml_escape(text));
      };
      if (!r.environment_error.empty()) add("environment", 0, false, {r.environment_error});
      for (const StepOutcome& o : r.steps) {
        std::vector<std::string> msgs;
        if (!o.error.empty()) msgs.push_back(o.error);
        add(fmt::format("step {} {}", o.index + 1, o.plugin), o.seconds_a + o.seconds_b,
            o.error.empty(), msgs);
      }
      for (const auto& [name, v] : verdicts(r)) add(name, 0, v->passed, v->messages);
      total_tests += tests;
      total_failures += failures;
      total_time += r.seconds;
      body += fmt::format(
          "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
          "time=\"{:.3f}\" timestamp=\"{}\">\n{}  </testsuite>\n",
          xml_escape(suite), tests, failures, r.seconds, iso_now().substr(0, 19), cases);
    }
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{}\" "
      "failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n{}</testsuites>\n",
      xml_escape(title), total_tests, total_failures, total_time, body);
}

std::string check_junit(const ConfiguredBaseline& baseline,
                        const std::vector<ReleaseReport>& reports) {
  return junit_xml("bootstrap check " + baseline.baseline.name,
                   {{baseline.baseline.name, reports}});
}

fs::path default_state_dir() {
  if (sandbox::invoking_uid() == 0) return "/var/lib/bootstrap";
  if (const char* s = std::getenv("XDG_STATE_HOME"); s != nullptr && *s != '\0')
    return fs::path(s) / "bootstrap";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/tmp") / ".local/state/bootstrap";
}

std::string record_json(const ConfiguredBaseline& baseline, const ReleaseReport& r) {
  json plugins = json::object();
  for (const auto& s : baseline.steps) plugins[s.step.plugin] = s.instance.plugin().digest();
  json record = {{"schema_version", 1},
                 {"baseline", baseline.baseline.name},
                 {"baseline_file", baseline.baseline.file.string()},
                 {"baseline_digest", baseline.baseline.digest},
                 {"plugins", plugins},
                 {"image", r.image},
                 {"release", r.release},
                 {"image_digest", r.image_digest},
                 {"manifest_digest", r.manifest_digest},
                 {"time", iso_now()}};
  return record.dump(2);
}

fs::path write_record(const fs::path& state_dir, const ConfiguredBaseline& baseline,
                      const ReleaseReport& r) {
  std::string record = record_json(baseline, r);
  fs::path dir = state_dir / "records";
  fs::create_directories(dir);
  std::string safe_image = r.image;
  for (char& c : safe_image) c = (c == ':' || c == '/') ? '-' : c;
  fs::path file = dir / (baseline.baseline.name + "." + safe_image + ".json");
  fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << record << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, file);
  return file;
}

std::vector<RecordSummary> list_records(const fs::path& state_dir) {
  std::vector<RecordSummary> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(state_dir / "records", ec)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded()) continue;
    out.push_back({e.path(), j.value("baseline", ""), j.value("release", ""), j.value("image", ""),
                   j.value("time", ""), j.value("manifest_digest", "")});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

}  // namespace bootstrap
