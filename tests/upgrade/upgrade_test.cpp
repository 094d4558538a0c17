// check --upgrade on real images: a baseline with Python on bookworm, upgraded to trixie in a
// sandbox. The upgrade removes python3.11-venv and leaves its configuration behind (dpkg's
// "config files only"), and bookworm's Python 3.11 stays: drift that a fresh trixie host does not
// have, reported by path and by package, failing `equivalent` until upgrade_ignore accepts it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "plugins/sandbox_check_fixture.hpp"

namespace bootstrap {
namespace {
using nlohmann::json;

const char* kBaseline =
    "baseline: upgrade-drift\nos: [bookworm, trixie]\nsteps:\n"
    "  - python: {version: \">=3.9\"}\n"
    "  - fslayout: {directories: [{path: /srv/upgrade-drift}]}\n";

// No mount, scratch tree or process of the upgrade's sandboxes may outlive it.
class UpgradeCheck : public SandboxCheckTest {
 protected:
  UpgradeCheck() : SandboxCheckTest({"apt-get", "dpkg"}) {}
  json upgrade(const std::string& baseline, int want_status) {
    auto r = check(baseline, {"--upgrade", "bookworm..trixie"});
    EXPECT_EQ(r.status, want_status) << r.out << r.err;
    return release();
  }
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
  for (const char* pair : {"trixie..bookworm", "buster..bookworm", "bookworm"}) {
    auto r = check(kBaseline, {"--upgrade", pair});
    EXPECT_EQ(r.status, 2) << pair << r.out << r.err;
    EXPECT_NE(r.err.find(pair), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace bootstrap
