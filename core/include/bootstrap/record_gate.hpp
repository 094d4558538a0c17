// apply --for-real's gate: a passing check's record for this baseline (its digest), these
// plugins (each library's digest) and the target's release. Records are read from the state
// directory (what `check` wrote here, `bootstrap records`) or from a file a check wrote
// elsewhere (`check --record-out FILE`: one record, or {"records": [...]}).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"

namespace bootstrap {

struct RecordVerdict {
  bool proven = false;
  std::string record;  // the file of the record that proves it
  std::string why;     // when not: one line, saying what to do
  // The proving record's result: its run A's manifest digest and when the check ran (ISO 8601).
  std::string manifest_digest;
  std::string time;
};

RecordVerdict find_record(const ConfiguredBaseline& baseline, const std::string& release,
                          const std::vector<std::filesystem::path>& files);

// The record files in `state_dir`/records.
std::vector<std::filesystem::path> record_files(const std::filesystem::path& state_dir);

}  // namespace bootstrap
