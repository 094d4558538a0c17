// The daemontools plugin for real: `bootstrap check` on Debian images, with Debian's svscan,
// supervise and multilog running in the checks' sandboxes (images in the shared cache).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bootstrap/apply.hpp"
#include "bootstrap/root_host.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "plugins/online_target.hpp"
#include "support/must_run.hpp"
#include "support/processes.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class DaemontoolsSandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    mounts_before = testing::mounts();
  }
  // After checks with services: no process, mount or scratch tree of theirs is left here.
  void TearDown() override {
    if (mounts_before.empty()) return;
    EXPECT_EQ(testing::mounts(), mounts_before) << "a check left mounts behind";
    for (const char* program : {"svscan", "supervise", "multilog", "/bin/sleep"})
      EXPECT_TRUE(testing::processes_running({program}).empty())
          << program << " outlived the check";
    fs::path scratch = sandbox::default_cache_root() / "tmp";
    std::size_t left = 0;
    if (fs::exists(scratch))
      for (const auto& e : fs::directory_iterator(scratch)) left += e.is_directory() ? 1 : 0;
    EXPECT_EQ(left, 0u) << "scratch trees left in " << scratch;
  }

  testing::Ran check(const std::string& baseline, const std::vector<std::string>& extra) {
    fs::path file = dir.path() / "b.yaml";
    std::ofstream(file) << baseline;
    return check_file(file.string(), extra);
  }
  testing::Ran check_file(const std::string& file, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"check", file, "--no-record", "--json",
                                     (dir.path() / "report.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::bootstrap(args);
  }
  json report() {
    std::ifstream in(dir.path() / "report.json");
    return json::parse(in);
  }
  // The check of run A named `name` in the release's first step, or null.
  static json check_named(const json& release, const std::string& name) {
    for (const auto& c : release["steps"][0]["checks"])
      if (c["name"] == "A: " + name) return c;
    return nullptr;
  }
  testing::TempDir dir;
  std::string mounts_before;
};

TEST_F(DaemontoolsSandbox, SupervisedServicesAreProvenAndACrashLoopIsNamedWithItsLog) {
  auto r = check(
      "baseline: services\nos: [bookworm]\nsteps:\n"
      "  - daemontools:\n"
      "      services:\n"
      "        - name: steady\n"
      "          run: [/bin/sh, -c, 'echo \"steady: $GREETING\"; exec sleep 600']\n"
      "          env: {GREETING: hello}\n"
      "        - name: crashing\n"
      "          run: [/bin/sh, -c, 'echo \"crashing: cannot read /etc/crashing.conf\"; sleep 0.2; "
      "exit 1']\n"
      "        - name: parked\n"
      "          run: [/bin/sleep, '600']\n"
      "          down: true\n"
      "        - name: quiet\n"
      "          run: [/bin/sleep, '600']\n"
      "          user: nobody\n"
      "          log: false\n",
      {"--os", "bookworm"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  json rel = report()["releases"][0];
  EXPECT_TRUE(rel["verdicts"]["applied"]["passed"]) << rel["verdicts"];
  EXPECT_TRUE(rel["verdicts"]["repeatable"]["passed"]) << rel["verdicts"];
  EXPECT_TRUE(rel["verdicts"]["idempotent"]["passed"]) << rel["verdicts"];
  EXPECT_FALSE(rel["verdicts"]["verified"]["passed"]);

  for (const char* passing :
       {"svscan supervises /etc/service", "service steady is supervised (svok)",
        "service steady is up (svstat)", "service steady stays up (same pid after 1.1 s)",
        "service steady's log (multilog) is up",
        "service steady is restarted by supervise (svc -t gives a new pid)",
        "service parked is supervised and down, as configured",
        "service quiet stays up (same pid after 1.1 s)"}) {
    json c = check_named(rel, passing);
    ASSERT_FALSE(c.is_null()) << "no check '" << passing << "' in " << rel["steps"][0]["checks"];
    EXPECT_TRUE(c["passed"]) << passing << ": " << c["detail"];
  }
  EXPECT_TRUE(check_named(rel, "service quiet's log (multilog) is up").is_null())
      << "quiet has 'log: false'";

  json crash = check_named(rel, "service crashing stays up (same pid after 1.1 s)");
  ASSERT_FALSE(crash.is_null()) << rel["steps"][0]["checks"];
  EXPECT_FALSE(crash["passed"]);
  std::string detail = crash["detail"];
  EXPECT_NE(detail.find("(a crash loop)"), std::string::npos) << detail;
  EXPECT_NE(detail.find("crashing: cannot read /etc/crashing.conf"), std::string::npos) << detail;
  // The failure is told by name in the verdict.
  std::string all;
  for (const auto& m : rel["verdicts"]["verified"]["messages"]) all += m.get<std::string>() + "\n";
  EXPECT_NE(all.find("daemontools (step 1): check failed: A: service crashing stays up"),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("service steady"), std::string::npos) << all;
  EXPECT_EQ(rel["services"], 1);
}

TEST_F(DaemontoolsSandbox, AServiceUserMissingFromTheTargetFailsApplyAtItsLine) {
  auto r = check(
      "baseline: services\nos: [bookworm]\nsteps:\n"
      "  - daemontools:\n"
      "      services:\n"
      "        - {name: web, run: [/bin/sleep, '600'], user: dragoman}\n",
      {"--os", "bookworm"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  json v = report()["releases"][0]["verdicts"]["applied"];
  EXPECT_FALSE(v["passed"]);
  std::string msg = v["messages"][0];
  EXPECT_NE(msg.find("b.yaml:6:55: user 'dragoman' does not exist in the target; create it in an "
                     "earlier step"),
            std::string::npos)
      << msg;
}

TEST_F(DaemontoolsSandbox, TheDragomanBaselinePassesOnEveryRelease) {
  auto r = check_file(std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml",
                      {"--os", "bullseye,bookworm,trixie", "--jobs", "3"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  json j = report();
  ASSERT_EQ(j["releases"].size(), 3u);
  for (const auto& rel : j["releases"]) {
    EXPECT_TRUE(rel["passed"]) << rel["release"];
    const json& step = rel["steps"][3];
    EXPECT_EQ(step["plugin"], "daemontools");
    bool restarted = false;
    for (const auto& c : step["checks"])
      if (c["name"] ==
          "A: service dragoman-health is restarted by supervise (svc -t gives a new pid)")
        restarted = c["passed"];
    EXPECT_TRUE(restarted) << rel["release"] << ": " << step["checks"];
    const json& sso = rel["steps"][4];
    EXPECT_EQ(sso["plugin"], "sso");
    bool logged_in = false;
    for (const auto& c : sso["checks"])
      if (c["name"] == "A: a certificate for principal alice logs in as alice")
        logged_in = c["passed"];
    EXPECT_TRUE(logged_in) << rel["release"] << ": " << sso["checks"];
    EXPECT_EQ(rel["services"], 2);  // svscan, sshd
  }
}

// Two baselines applied one after the other to one target (a sandbox of bookworm with the
// network, standing for a host that had the first): what the second no longer names is removed,
// and said so.
TEST_F(DaemontoolsSandbox, AServiceRemovedFromTheBaselineIsRemovedAndReported) {
  PluginHost plugins{{BOOTSTRAP_PLUGIN_DIR}};
  plugins.load_all();
  auto configure = [&](const std::string& services) {
    Baseline b = parse_baseline(
        "baseline: t\nos: [bookworm]\nsteps:\n  - daemontools:\n      services:\n" + services,
        (dir.path() / "t.yaml").string());
    return configure_baseline(b, plugins);
  };
  ConfiguredBaseline both = configure(
      "        - {name: web, run: [/bin/sleep, '600']}\n"
      "        - {name: worker, run: [/bin/sleep, '600']}\n");
  ConfiguredBaseline one = configure("        - {name: web, run: [/bin/sleep, '600']}\n");
  json runs = testing::on_online_bookworm([&](RootHost& host) {
    json out = json::array();
    for (ConfiguredBaseline* b : {&both, &one, &one}) {
      ApplyReport r = apply_baseline(*b, host, false);
      json changes = json::array();
      for (const auto& c : r.steps[0].changes)
        changes.push_back(std::string(c.kind == ChangeKind::Removed ? "removed " : "changed ") + c.what + " " + c.detail);
      if (r.steps[0].error) changes.push_back("error " + *r.steps[0].error);
      out.push_back(changes);
    }
    out.push_back(host.stat("/etc/daemontools/web/run").type == FileType::Regular);
    return out;
  });
  ASSERT_FALSE(runs.is_object()) << runs;
  std::string second;
  for (const auto& c : runs[1]) second += c.get<std::string>() + "\n";
  EXPECT_NE(second.find("removed /etc/service/worker no longer in the baseline"), std::string::npos)
      << second;
  EXPECT_NE(second.find("removed /etc/daemontools/worker no longer in the baseline"),
            std::string::npos)
      << second;
  EXPECT_NE(second.find("removed /var/lib/supervise/worker no longer in the baseline"),
            std::string::npos)
      << second;
  EXPECT_EQ(second.find("web"), std::string::npos) << "the service still named was touched:\n"
                                                   << second;
  EXPECT_TRUE(runs[2].empty()) << "a second apply of the same baseline changed: " << runs[2];
  EXPECT_TRUE(runs[3].get<bool>());
}

}  // namespace
}  // namespace bootstrap
