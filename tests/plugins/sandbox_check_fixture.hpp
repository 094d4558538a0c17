// `bootstrap check` of a plugin's steps on a Debian image, as a user runs it, with the JSON
// report to assert on; afterwards no mount, scratch tree or process of the check is left here.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bootstrap/sandbox/images.hpp"
#include "support/must_run.hpp"
#include "support/processes.hpp"
#include "support/run.hpp"

namespace bootstrap {

class SandboxCheckTest : public ::testing::Test {
 protected:
  // The programs the checks start (services and what they run), which must not outlive them.
  explicit SandboxCheckTest(std::vector<std::string> programs) : programs_(std::move(programs)) {}

  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_before_ = testing::mounts();
  }
  void TearDown() override {
    if (mounts_before_.empty()) return;
    EXPECT_EQ(testing::mounts(), mounts_before_) << "a check left mounts behind";
    for (const auto& program : programs_)
      EXPECT_TRUE(testing::processes_running({program}).empty())
          << program << " outlived the check";
    std::filesystem::path scratch = sandbox::default_cache_root() / "tmp";
    std::size_t left = 0;
    if (std::filesystem::exists(scratch))
      for (const auto& e : std::filesystem::directory_iterator(scratch))
        left += e.is_directory() ? 1 : 0;
    EXPECT_EQ(left, 0u) << "scratch trees left in " << scratch;
  }

  // Checks a baseline of `steps` (YAML list items) on bookworm, written to dir/b.yaml.
  testing::Ran check_steps(const std::string& steps) {
    return check("baseline: t\nos: [bookworm]\nsteps:\n" + steps, {"--os", "bookworm"});
  }
  testing::Ran check(const std::string& baseline, const std::vector<std::string>& extra) {
    std::filesystem::path file = dir.path() / "b.yaml";
    std::ofstream(file) << baseline;
    return check_file(file.string(), extra);
  }
  testing::Ran check_file(const std::string& file, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"check", file, "--no-record", "--json",
                                     (dir.path() / "report.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::bootstrap(args);
  }
  nlohmann::json report() {
    std::ifstream in(dir.path() / "report.json");
    return nlohmann::json::parse(in);
  }
  nlohmann::json release() { return report()["releases"][0]; }
  // Run A's check of that name in the step's report, or null.
  static nlohmann::json check_named(const nlohmann::json& step, const std::string& name) {
    for (const auto& c : step["checks"])
      if (c["name"] == "A: " + name) return c;
    return nullptr;
  }

  testing::TempDir dir;

 private:
  std::vector<std::string> programs_;
  std::string mounts_before_;
};

}  // namespace bootstrap
