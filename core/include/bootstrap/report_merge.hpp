// `bootstrap report merge`: the JSON reports of a matrix's jobs (one per baseline x release, or
// per shard) as one report with one verdict: what CI shows and exits with.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bootstrap/check.hpp"
#include "bootstrap/console.hpp"

namespace bootstrap {

struct CheckDocument {
  std::filesystem::path file;
  nlohmann::json baseline;  // {"name", "file", "digest"}
  std::vector<ReleaseReport> releases;
};

// A `check --json` report. Throws std::invalid_argument naming the file: not JSON, not a
// check's report, or of another schema version than this bootstrap writes.
CheckDocument read_check_report(const std::filesystem::path& file);

// Refuses (std::invalid_argument) a release of a baseline that two reports both hold.
void refuse_duplicates(const std::vector<CheckDocument>& docs);

// Passed: at least one release was checked and every release passed.
bool all_passed(const std::vector<CheckDocument>& docs);

std::string merged_json(const std::vector<CheckDocument>& docs);
std::string merged_junit(const std::vector<CheckDocument>& docs);
// One line per baseline x release, then each failure's messages.
void print_merged(Console& console, const std::vector<CheckDocument>& docs);

}  // namespace bootstrap
