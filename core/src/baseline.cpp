#include "bootstrap/baseline.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bootstrap/digest.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {

const std::vector<std::string>& known_releases() {
  static const std::vector<std::string> releases = {"bullseye", "bookworm", "trixie"};
  return releases;
}

namespace {

std::string read_all(const std::filesystem::path& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec)
    throw ConfigError(SourceMark{file.string(), 0, 0}, "cannot read baseline: " + ec.message());
  if (size > kMaxBaselineBytes)
    throw ConfigError(SourceMark{file.string(), 1, 1},
                      "file is " + std::to_string(size >> 20) + " MiB; a baseline may be at most " +
                          std::to_string(kMaxBaselineBytes >> 20) + " MiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(SourceMark{file.string(), 0, 0}, "cannot open baseline");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `ignore:` and `upgrade_ignore:`: non-empty strings without control characters.
std::vector<std::string> patterns(const Value* list, const std::string& what_list,
                                  const std::string& what) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  for (const Value& g : list->as_list(what_list)) {
    const std::string& pattern = g.as_string(what);
    if (pattern.empty()) throw g.error(what + " must not be empty");
    if (std::size_t at = first_control_character(pattern); at != std::string::npos)
      throw g.error(what + " must not hold control characters (" +
                    describe_control_character(pattern, at) + ")");
    out.push_back(pattern);
  }
  return out;
}

}  // namespace

Baseline load_baseline(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw ConfigError(SourceMark{file.string(), 0, 0}, "no such baseline file");
  if (std::filesystem::is_directory(file, ec))
    throw ConfigError(SourceMark{file.string(), 0, 0}, "is a directory, not a baseline file");
  Baseline b = parse_baseline(read_all(file), file.string());
  b.file = std::filesystem::absolute(file);
  return b;
}

Baseline parse_baseline(std::string_view content, const std::string& file_name) {
  Value root = parse_yaml(content, file_name);
  if (root.is_null())
    throw root.error("empty baseline: expected a mapping with 'baseline', 'os' and 'steps'");
  if (!root.is_map())
    throw root.error("a baseline must be a mapping with 'baseline', 'os' and 'steps', not " +
                     std::string(root.kind_name()));

  Baseline b;
  b.file = file_name;
  b.digest = digest_bytes(content).text();
  Fields top(root, "the baseline");
  // Unknown keys first: a misspelt 'steps' should be reported as such, not as missing.
  for (const char* key :
       {"baseline", "description", "os", "steps", "ignore", "upgrade_ignore", "read_outside"})
    top.optional(key);
  top.finish();
  const Value& name = top.required("baseline");
  b.name = name.as_string("'baseline' (the baseline's name)");
  if (std::size_t at = first_control_character(b.name); at != std::string::npos)
    throw name.error("the baseline's name must not hold control characters (" +
                     describe_control_character(b.name, at) + ")");
  if (const Value* d = top.optional("description")) b.description = d->as_string("'description'");

  const Value& os = top.required("os");
  for (const Value& r : os.as_list("'os' (Debian releases)")) {
    const std::string& rel = r.as_string("a release in 'os'");
    const auto& known = known_releases();
    if (std::find(known.begin(), known.end(), rel) == known.end()) {
      std::string msg = "unknown release '" + rel + "'";
      std::string hint = nearest(rel, known);
      msg += hint.empty() ? "" : "; did you mean '" + hint + "'?";
      msg += " (known: bullseye, bookworm, trixie)";
      throw r.error(msg);
    }
    if (std::find(b.os.begin(), b.os.end(), rel) != b.os.end())
      throw r.error("release '" + rel + "' is listed twice");
    b.os.push_back(rel);
  }
  if (b.os.empty()) throw os.error("'os' must name at least one release");

  const Value& steps = top.required("steps");
  int index = 0;
  for (const Value& s : steps.as_list("'steps'")) {
    if (!s.is_map() || s.as_map("a step").size() != 1)
      throw s.error(
          "each step must be a mapping with exactly one key, the plugin's name "
          "(e.g. '- fslayout: {...}')");
    const auto& [plugin, config] = s.as_map("a step").front();
    b.steps.push_back(Step{plugin, config, s.key_mark(plugin), index++});
  }
  if (b.steps.empty()) throw steps.error("'steps' is empty: a baseline needs at least one step");
  if (b.steps.size() > kMaxSteps)
    throw steps.error("a baseline holds at most " + std::to_string(kMaxSteps) +
                      " steps; this one has " + std::to_string(b.steps.size()) +
                      " (split it, or merge steps of one plugin)");

  b.ignore = patterns(top.optional("ignore"), "'ignore' (glob patterns)", "an ignore pattern");
  b.upgrade_ignore =
      patterns(top.optional("upgrade_ignore"), "'upgrade_ignore' (path globs, or package names)",
               "an upgrade_ignore pattern");
  if (const Value* ro = top.optional("read_outside")) {
    for (const Value& d : ro->as_list("'read_outside' (folders)")) {
      std::error_code ec;
      std::filesystem::path dir =
          std::filesystem::canonical(parse_absolute_path(d, "a folder in 'read_outside'"), ec);
      if (ec || !std::filesystem::is_directory(dir))
        throw d.error("'read_outside' folder '" + d.text() + "' is not a folder on this machine");
      b.read_outside.push_back(dir.string());
    }
  }
  top.finish();
  return b;
}

}  // namespace bootstrap
