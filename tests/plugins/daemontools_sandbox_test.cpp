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
#include "plugins/sandbox_check_fixture.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class DaemontoolsSandbox : public SandboxCheckTest {
 protected:
  DaemontoolsSandbox() : SandboxCheckTest({"svscan", "supervise", "multilog", "/bin/sleep"}) {}
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
    json c = check_named(rel["steps"][0], passing);
    ASSERT_FALSE(c.is_null()) << "no check '" << passing << "' in " << rel["steps"][0]["checks"];
    EXPECT_TRUE(c["passed"]) << passing << ": " << c["detail"];
  }
  EXPECT_TRUE(check_named(rel["steps"][0], "service quiet's log (multilog) is up").is_null())
      << "quiet has 'log: false'";

  json crash = check_named(rel["steps"][0], "service crashing stays up (same pid after 1.1 s)");
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
    const json& egg = rel["steps"][4];
    EXPECT_EQ(egg["plugin"], "eggmonster");
    bool phoned_home = false;
    for (const auto& c : egg["checks"])
      if (c["name"].get<std::string>().starts_with("A: the agent phones home"))
        phoned_home = c["passed"];
    EXPECT_TRUE(phoned_home) << rel["release"] << ": " << egg["checks"];
    const json& sso = rel["steps"][5];
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
        changes.push_back(std::string(c.kind == ChangeKind::Removed ? "removed " : "changed ") +
                          c.what + " " + c.detail);
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
