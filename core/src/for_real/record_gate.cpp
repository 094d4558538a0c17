#include "bootstrap/record_gate.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace bootstrap {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<json> records_in(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the record " + file.string());
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::runtime_error(file.string() + " is not a bootstrap record (JSON)");
  if (j.contains("records")) return j["records"].get<std::vector<json>>();
  return {j};
}

// "" when `r` proves it, else why not.
std::string mismatch(const json& r, const ConfiguredBaseline& b, const std::string& release) {
  if (r.value("baseline_digest", "") != b.baseline.digest)
    return "is for another version of the baseline (" + r.value("baseline_digest", "?") +
           ", this file is " + b.baseline.digest + ")";
  json plugins = r.value("plugins", json::object());
  for (const auto& s : b.steps) {
    std::string want = s.instance.plugin().digest();
    std::string got = plugins.value(s.step.plugin, "");
    if (got != want)
      return "was made with another " + s.step.plugin + " plugin (" + (got.empty() ? "none" : got) +
             ", this one is " + want + ")";
  }
  if (r.value("release", "") != release)
    return "is for " + r.value("release", "?") + "; this target is " + release;
  return "";
}

}  // namespace

std::vector<fs::path> record_files(const fs::path& state_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(state_dir / "records", ec))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

RecordVerdict find_record(const ConfiguredBaseline& b, const std::string& release,
                          const std::vector<fs::path>& files) {
  RecordVerdict v;
  std::string nearest;
  for (const auto& file : files) {
    for (const json& r : records_in(file)) {
      if (r.value("baseline", "") != b.baseline.name) continue;
      std::string why = mismatch(r, b, release);
      if (why.empty())
        return {true, file.string(), "", r.value("manifest_digest", ""), r.value("time", "")};
      if (nearest.empty()) nearest = "the record " + file.string() + " " + why;
    }
  }
  v.why = !nearest.empty()
              ? nearest
              : "no passing check record for baseline '" + b.baseline.name + "' on " + release;
  v.why += "; run 'bootstrap check " + b.baseline.file.string() + " --os " + release +
           "' first, or give a record with --record FILE (check --record-out writes one)";
  return v;
}

}  // namespace bootstrap
