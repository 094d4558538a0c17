// check --upgrade on real images: a baseline with Python on bookworm, upgraded to trixie in a
// sandbox. The upgrade removes python3.11-venv and leaves its configuration behind (dpkg's
// "config files only"), and bookworm's Python 3.11 stays: drift that a fresh trixie host does not
// have, reported by path and by package, failing `equivalent` until upgrade_ignore accepts it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/must_run.hpp"
#include "support/processes.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const char* kBaseline =
    "baseline: upgrade-drift\nos: [bookworm, trixie]\nsteps:\n"
    "  - python: {version: \">=3.9\"}\n"
    "  - fslayout: {directories: [{path: /srv/upgrade-drift}]}\n";

class UpgradeCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_before_ = testing::mounts();
  }
  void TearDown() override {
    if (mounts_before_.empty()) return;
    EXPECT_EQ(testing::mounts(), mounts_before_) << "a test left mounts behind";
  }
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }
  json upgrade(const std::string& baseline, int want_status) {
    std::ofstream(file("b.yaml")) << baseline;
    auto r = testing::bootstrap(
        {"check", file("b.yaml"), "--upgrade", "bookworm..trixie", "--json", file("r.json")});
    EXPECT_EQ(r.status, want_status) << r.out << r.err;
    std::ifstream in(file("r.json"));
    json j = json::parse(in);
    return j["releases"][0];
  }
  testing::TempDir dir;

 private:
  std::string mounts_before_;
};

bool has(const json& messages, const std::string& prefix, const std::string& part) {
  for (const auto& m : messages) {
    std::string s = m.get<std::string>();
    if (s.rfind(prefix, 0) == 0 && s.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(UpgradeCheck, APackageTheUpgradeRemovedIsDriftByPathAndPackageUntilUpgradeIgnoreAcceptsIt) {
  json r = upgrade(kBaseline, 1);
  EXPECT_EQ(r["image"], "upgrade:bookworm..trixie");
  EXPECT_TRUE(r["verdicts"]["upgraded"]["passed"]) << r["verdicts"]["upgraded"].dump();
  EXPECT_TRUE(r["verdicts"]["converged"]["passed"]) << r["verdicts"]["converged"].dump();
  const json& drift = r["verdicts"]["equivalent"]["messages"];
  EXPECT_FALSE(r["verdicts"]["equivalent"]["passed"]);
  EXPECT_TRUE(
      has(drift, "package python3.11-venv ", "(config files only): on the upgraded host only"))
      << drift.dump(1);
  EXPECT_TRUE(has(drift, "/usr/lib/python3.11/", ": only in upgraded")) << drift.dump(1);
  EXPECT_GT(r["upgrade"]["packages_upgraded"].get<int>(), 10);

  // Accept exactly what was reported: each path, each package.
  std::string accepted = "upgrade_ignore:\n";
  std::size_t n = 0;
  for (const auto& m : drift) {
    std::string s = m.get<std::string>();
    if (s.rfind("package ", 0) == 0)
      accepted += "  - \"" + s.substr(8, s.find_first_of(" :", 8) - 8) + "\"\n";
    else
      accepted += "  - \"" + s.substr(0, s.find(": ")) + "\"\n";
    ++n;
  }
  json ok = upgrade(std::string(kBaseline) + accepted, 0);
  EXPECT_TRUE(ok["verdicts"]["equivalent"]["passed"]) << ok["verdicts"]["equivalent"].dump(1);
  EXPECT_EQ(ok["upgrade"]["paths_differ"].get<std::size_t>() + ok["upgrade"]["packages"].size(), n);
}

TEST_F(UpgradeCheck, APairOutOfOrderOrUnknownIsRefusedInOneLine) {
  std::ofstream(file("b.yaml")) << kBaseline;
  for (const char* pair : {"trixie..bookworm", "buster..bookworm", "bookworm"}) {
    auto r = testing::bootstrap({"check", file("b.yaml"), "--upgrade", pair});
    EXPECT_EQ(r.status, 2) << pair << r.out << r.err;
    EXPECT_NE(r.err.find(pair), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace bootstrap
