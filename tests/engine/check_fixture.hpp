// A `bootstrap check` of a baseline text on the host image, with the fixture plugins, and the
// mount table compared before and after.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/must_run.hpp"
#include "support/processes.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using testing::bootstrap;

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_before = testing::mounts();
  }
  void TearDown() override {
    if (!mounts_before.empty()) {
      EXPECT_EQ(testing::mounts(), mounts_before) << "a check left mounts behind";
    }
  }

  testing::Ran check(const std::string& baseline_text, std::vector<std::string> extra = {}) {
    std::ofstream(dir.path() / "b.yaml") << baseline_text;
    std::vector<std::string> args = {"--cache-dir",
                                     (cache.path()).string(),
                                     "--plugin-dir",
                                     std::string(BOOTSTRAP_FIXTURE_PLUGIN_DIR) + "/check",
                                     "check",
                                     (dir.path() / "b.yaml").string(),
                                     "--image",
                                     "host",
                                     "--no-record",
                                     "--json",
                                     (dir.path() / "report.json").string()};
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
