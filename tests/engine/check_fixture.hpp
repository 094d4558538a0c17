// A `bootstrap check` of a baseline text on the host image, with the fixture plugins, and the
// mount table compared before and after.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/must_run.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using testing::bootstrap;

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

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_before = mounts();
  }
  void TearDown() override {
    if (!mounts_before.empty()) {
      EXPECT_EQ(mounts(), mounts_before) << "a check left mounts behind";
    }
  }

  testing::Ran check(const std::string& baseline_text, std::vector<std::string> extra = {}) {
    std::ofstream(dir.path() / "b.yaml") << baseline_text;
    std::vector<std::string> args = {"--cache-dir", (cache.path()).string(), "--plugin-dir",
                                     std::string(BOOTSTRAP_FIXTURE_PLUGIN_DIR) + "/check", "check",
                                     (dir.path() / "b.yaml").string(), "--image", "host", "--no-record",
                                     "--json", (dir.path() / "report.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return bootstrap(args);
  }
  nlohmann::json report() {
    std::ifstream in(dir.path() / "report.json");
    return nlohmann::json::parse(in);
  }

  std::string mounts_before;
  testing::TempDir dir;
  testing::TempDir cache;
};

}  // namespace bootstrap
