// What a test must leave as it found it: this machine's mount table and processes.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bootstrap::testing {
namespace fs = std::filesystem;

inline std::string mounts() {
  std::ifstream in("/proc/self/mountinfo");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Live processes on this machine whose command line starts with `argv` (NUL-separated).
inline std::vector<std::string> processes_running(const std::vector<std::string>& argv) {
  std::string prefix;
  for (const auto& a : argv) prefix += a + std::string(1, '\0');
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    if (cmdline.rfind(prefix, 0) == 0) found.push_back(name);
  }
  return found;
}

}  // namespace bootstrap::testing
