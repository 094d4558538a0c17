#include "bootstrap/report_merge.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <stdexcept>

#include "bootstrap/check_report.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using json = nlohmann::json;

CheckDocument read_check_report(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::invalid_argument(file.string() + ": cannot be read");
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::invalid_argument(file.string() + ": not JSON");
  if (j.value("tool", "") != "bootstrap" || !j.contains("releases"))
    throw std::invalid_argument(file.string() + ": not a report of `bootstrap check --json`");
  json version = j.value("schema_version", json());
  if (version != kCheckJsonSchema)
    throw std::invalid_argument(
        fmt::format("{}: schema_version {}, and this bootstrap reads {}: merge the reports "
                    "of one bootstrap version",
                    file.string(), version.dump(), kCheckJsonSchema));
  CheckDocument doc{file, j.value("baseline", json::object()), {}};
  try {
    for (const auto& r : j.at("releases")) doc.releases.push_back(release_from_json(r.dump()));
  } catch (const json::exception& e) {
    throw std::invalid_argument(file.string() + ": a release's report is incomplete (" + e.what() +
                                ")");
  }
  return doc;
}

void refuse_duplicates(const std::vector<CheckDocument>& docs) {
  std::map<std::string, fs::path> seen;
  for (const auto& d : docs) {
    for (const auto& r : d.releases) {
      std::string key = d.baseline.value("digest", "") + " " + r.image;
      auto [it, fresh] = seen.emplace(key, d.file);
      if (!fresh)
        throw std::invalid_argument(fmt::format("{} of baseline {} is in both {} and {}", r.image,
                                                d.baseline.value("name", "?"), it->second.string(),
                                                d.file.string()));
    }
  }
}

bool all_passed(const std::vector<CheckDocument>& docs) {
  std::size_t n = 0;
  for (const auto& d : docs)
    for (const auto& r : d.releases) {
      if (!r.passed()) return false;
      ++n;
    }
  return n > 0;
}

std::string merged_json(const std::vector<CheckDocument>& docs) {
  json baselines = json::array(), files = json::array();
  for (const auto& d : docs) {
    json releases = json::array();
    for (const auto& r : d.releases) releases.push_back(json::parse(release_json(r)));
    baselines.push_back(
        {{"baseline", d.baseline}, {"releases", releases}, {"from", d.file.string()}});
    files.push_back(d.file.string());
  }
  return json{{"schema_version", kCheckJsonSchema},
              {"tool", "bootstrap"},
              {"merged_from", files},
              {"passed", all_passed(docs)},
              {"baselines", baselines}}
             .dump(2) +
         "\n";
}

std::string merged_junit(const std::vector<CheckDocument>& docs) {
  std::vector<BaselineReports> groups;
  for (const auto& d : docs) groups.push_back({d.baseline.value("name", "?"), d.releases});
  return junit_xml("bootstrap matrix", groups);
}

void print_merged(Console& console, const std::vector<CheckDocument>& docs) {
  std::size_t passed = 0, failed = 0;
  for (const auto& d : docs) {
    for (const auto& r : d.releases) {
      std::string name = d.baseline.value("name", "?");
      console.out(fmt::format("{:<20} {:<18} {}  {:.1f}s", name, r.image,
                              r.passed() ? console.green("passed") : console.red("FAILED"),
                              r.seconds));
      if (r.passed()) {
        ++passed;
        continue;
      }
      ++failed;
      if (!r.environment_error.empty()) console.out("    cannot check: " + r.environment_error);
      std::vector<const Verdict*> verdicts = {&r.applied, &r.repeatable, &r.idempotent,
                                              &r.verified};
      if (r.upgrade)
        verdicts = {&r.upgrade->upgraded, &r.upgrade->converged, &r.upgrade->equivalent};
      for (const Verdict* v : verdicts)
        for (const auto& m : v->messages) console.out("    " + m);
    }
  }
  std::size_t reports = docs.size();
  console.out(fmt::format("\n{} passed, {} failed ({} release(s) from {} report(s))", passed,
                          failed, passed + failed, reports));
  if (passed + failed == 0)
    console.out(console.red("no release was checked: the matrix proves nothing"));
}

}  // namespace bootstrap
