// What `bootstrap check` tells people (a recap table and verdicts) and machines (JSON, JUnit),
// and the records a passing check leaves for `apply --for-real`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/check.hpp"
#include "bootstrap/console.hpp"

namespace bootstrap {

inline constexpr int kCheckJsonSchema = 1;

void print_check_report(Console& console, const ConfiguredBaseline& baseline,
                        const std::vector<ReleaseReport>& reports, bool show_changes);
// One release's report as one line of JSON and back (check --jobs passes reports between
// processes).
std::string release_json(const ReleaseReport& report);
ReleaseReport release_from_json(const std::string& text);

std::string check_json(const ConfiguredBaseline& baseline,
                       const std::vector<ReleaseReport>& reports);
std::string check_junit(const ConfiguredBaseline& baseline,
                        const std::vector<ReleaseReport>& reports);

// JUnit XML for the releases of several baselines (a testsuite per baseline x release).
struct BaselineReports {
  std::string baseline_name;
  std::vector<ReleaseReport> releases;
};
std::string junit_xml(const std::string& title, const std::vector<BaselineReports>& groups);

// /var/lib/bootstrap as root, $XDG_STATE_HOME/bootstrap (or ~/.local/state/bootstrap) otherwise.
std::filesystem::path default_state_dir();
// The record of a passing check: the baseline's digest, each plugin's, the image's and the
// result's, the release and the time (JSON).
std::string record_json(const ConfiguredBaseline& baseline, const ReleaseReport& report);
// Writes the record of a passing check; returns its path.
std::filesystem::path write_record(const std::filesystem::path& state_dir,
                                   const ConfiguredBaseline& baseline, const ReleaseReport& report);
struct RecordSummary {
  std::filesystem::path file;
  std::string baseline, release, image, time, manifest_digest;
};
std::vector<RecordSummary> list_records(const std::filesystem::path& state_dir);

}  // namespace bootstrap
