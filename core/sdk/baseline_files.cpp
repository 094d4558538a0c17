#include <filesystem>
#include <fstream>
#include <sstream>

#include "bootstrap/plugin.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

bool inside(const fs::path& p, const fs::path& dir) {
  auto [d, q] = std::mismatch(dir.begin(), dir.end(), p.begin(), p.end());
  return d == dir.end();
}

}  // namespace

std::string baseline_file(const StepConfig& step, const Value& v, std::string_view what,
                          bool folder) {
  const std::string& named = v.as_string(what);
  fs::path p(named);
  if (p.is_relative()) p = fs::path(step.baseline_dir) / p;
  std::error_code ec;
  bool found = folder ? fs::is_directory(p, ec) : fs::is_regular_file(p, ec);
  if (!found)
    throw v.error(std::string(what) + (folder ? " folder '" : " file '") + named +
                  "' not found (relative paths are read next to the baseline)");
  fs::path real = fs::canonical(p, ec);
  fs::path home = fs::canonical(step.baseline_dir.empty() ? "." : step.baseline_dir, ec);
  if (inside(real, home)) return real.string();
  for (const auto& allowed : step.read_outside)
    if (inside(real, fs::path(allowed))) return real.string();
  throw v.error(std::string(what) + " '" + named + "' is " + real.string() +
                ", outside the baseline's folder " + home.string() +
                ": a baseline reads only what is beside it (list the folder under 'read_outside:' "
                "at the top of the baseline to allow it)");
}

std::string read_baseline_file(const StepConfig& step, const Value& v, std::string_view what,
                               std::size_t limit) {
  std::string path = baseline_file(step, v, what);
  std::error_code ec;
  if (fs::file_size(path, ec) > limit)
    throw v.error(std::string(what) + " file is larger than " +
                  (limit >= (1u << 20) ? std::to_string(limit >> 20) + " MiB"
                                       : std::to_string(limit >> 10) + " KiB") +
                  ": " + path);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace bootstrap
