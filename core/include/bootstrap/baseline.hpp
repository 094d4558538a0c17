// The baseline: a YAML file naming what every machine of a kind must have.
//
//   baseline: dragoman
//   description: ...
//   os: [bullseye, bookworm, trixie]
//   steps:
//     - fslayout: {...}
//   ignore: ["/srv/apps/**/*.log"]
//   upgrade_ignore: ["/etc/old.conf", "libffi7"]   (check --upgrade: accepted drift)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"

namespace bootstrap {

// Debian releases a baseline may name in `os:`.
const std::vector<std::string>& known_releases();

// Baselines are small; anything bigger is refused before parsing.
inline constexpr std::size_t kMaxBaselineBytes = 4u << 20;
// Deeper nesting than this is refused (no stack overflow on hostile input).
inline constexpr int kMaxNesting = 64;
// A list or mapping holds at most this many entries.
inline constexpr std::size_t kMaxEntries = 100'000;
// A whole baseline is at most this many values once its aliases are expanded (each alias repeats
// what its anchor holds: ten lists of ten aliases each would be a billion values).
inline constexpr std::size_t kMaxValues = 1'000'000;

struct Step {
  std::string plugin;  // the key: "fslayout"
  Value config;        // its value
  SourceMark mark;     // where the step starts
  int index = 0;       // 0-based
};

struct Baseline {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::vector<std::string> os;
  std::vector<Step> steps;
  std::vector<std::string> ignore;
  // check --upgrade: differences from a fresh host that are accepted. A pattern starting with
  // '/' is a path glob (as in `ignore`); any other is a package name glob.
  std::vector<std::string> upgrade_ignore;
  std::vector<std::string> read_outside;  // folders outside dir() its steps may read, resolved
  std::string digest;                     // of the file's bytes: "xxh3-128:..."
  std::filesystem::path dir() const { return file.parent_path(); }
};

// The most steps a baseline may hold (a check of 1,000 takes about 7 s: bench/steps_scaling.sh).
inline constexpr std::size_t kMaxSteps = 10000;

// Reads and checks the baseline's own shape (not the plugins' configs). Throws ConfigError.
Baseline load_baseline(const std::filesystem::path& file);
Baseline parse_baseline(std::string_view content, const std::string& file_name);

// YAML text to a Value tree with marks: rejects non-UTF-8, oversized and deeply nested input,
// duplicate keys and YAML syntax errors, each with file:line:col.
Value parse_yaml(std::string_view content, const std::string& file_name);

}  // namespace bootstrap
