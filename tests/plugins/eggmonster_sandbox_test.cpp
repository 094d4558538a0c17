// The eggmonster plugin for real: `bootstrap check` on debian:bookworm with the test agent
// (tests/fixtures/eggmonster) under Debian's svscan, phoning home over TCP to the plugin's
// stand-in master. Agents that misbehave are the same source with one file replaced.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "plugins/sandbox_check_fixture.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kAgentSource = fs::path(BOOTSTRAP_SOURCE_DIR) / "tests/fixtures/eggmonster";

class EggmonsterSandbox : public SandboxCheckTest {
 protected:
  EggmonsterSandbox() : SandboxCheckTest({"svscan", "supervise", "multilog", "monster_launchd"}) {}

  // The agent's wheel in dir/eggs, built from the fixture with `replaced` files (relative
  // path -> content) written over it.
  void build_agent(const std::map<std::string, std::string>& replaced = {}) {
    fs::path src = dir.path() / "agent-src";
    fs::copy(kAgentSource, src, fs::copy_options::recursive);
    for (const auto& [file, content] : replaced) std::ofstream(src / file) << content;
    auto r = testing::run(
        {"/bin/sh", std::string(BOOTSTRAP_SOURCE_DIR) + "/tests/fixtures/python/build_wheel.sh",
         src.string(), (dir.path() / "eggs").string()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  testing::Ran check_agent(const std::string& extra_keys,
                           const std::string& master = "http://eggmaster.example.org:8000") {
    return check_steps(
        "  - python:\n"
        "  - daemontools:\n"
        "  - eggmonster:\n"
        "      master: " +
        master +
        "\n"
        "      cheeseshop: http://pypi.example.org/simple\n"
        "      package: eggmonster==6.1\n"
        "      find_links: eggs\n" +
        extra_keys);
  }
  json step() { return release()["steps"][2]; }
  std::string detail_of(const std::string& check) {
    json c = check_named(step(), check);
    EXPECT_FALSE(c.is_null()) << "no check '" << check << "' in " << step()["checks"];
    return c.is_null() ? "" : c["detail"].get<std::string>();
  }
  bool passed(const std::string& check) {
    json c = check_named(step(), check);
    return !c.is_null() && c["passed"].get<bool>();
  }
};

const char* kPhonesHomeAsNode7 =
    "the agent phones home: it connects to eggmaster.example.org:8001 as 'node-7'";

TEST_F(EggmonsterSandbox, TheAgentIsSupervisedAndPhonesHomeWithItsHostId) {
  build_agent();
  auto r = check_agent("      host_id: node-7\n      user: apps\n");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(step()["plugin"], "eggmonster");
  for (const char* name : {"the agent /opt/eggmonster/bin/monster_launchd is installed",
                           "/opt/eggmonster has eggmonster==6.1",
                           "service eggmonster-launchd stays up (same pid after 1.1 s)",
                           "service eggmonster-launchd's log (multilog) is up", kPhonesHomeAsNode7})
    EXPECT_TRUE(passed(name)) << name << ": " << step()["checks"];
  EXPECT_EQ(detail_of(kPhonesHomeAsNode7),
            "the agent connected to eggmaster.example.org:8001 as 'node-7' (eggmonster 6.1) and "
            "stayed connected through noop heartbeats");
  EXPECT_NE(r.out.find("  the agent connected to eggmaster.example.org:8001 as 'node-7'"),
            std::string::npos)
      << "the phone-home is a headline of the report\n"
      << r.out;
}

TEST_F(EggmonsterSandbox, AMasterTheAgentCannotReachFailsNamingItAndTheAgentsLog) {
  build_agent();
  auto r = check_agent("      host_id: node-7\n", "http://192.0.2.10:8000");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  json v = release()["verdicts"];
  EXPECT_TRUE(v["applied"]["passed"]) << v;
  EXPECT_TRUE(v["repeatable"]["passed"]) << v;
  EXPECT_FALSE(v["verified"]["passed"]);
  std::string d = detail_of("the agent phones home: it connects to 192.0.2.10:8001 as 'node-7'");
  EXPECT_NE(d.find("no connection from the agent to 192.0.2.10:8001 within 10 s"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("192.0.2.10 is an address, not a host name"), std::string::npos) << d;
  // The agent's own words, from its multilog log.
  EXPECT_NE(d.find("last lines of its log:"), std::string::npos) << d;
  EXPECT_NE(d.find("monster_launchd: 192.0.2.10:8001: [Errno 101] Network is unreachable"),
            std::string::npos)
      << d;
}

TEST_F(EggmonsterSandbox, AnAgentSendingAnotherHostIdIsCaught) {
  build_agent({{"eggmonster/identity.py",
                "import platform\n\ndef host_id(requested):\n    return platform.node()\n"}});
  auto r = check_agent("      host_id: node-7\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  std::string d = detail_of(kPhonesHomeAsNode7);
  EXPECT_NE(d.find("the agent sent host id 'run-a'; the baseline wants 'node-7' (host_id: node-7)"),
            std::string::npos)
      << d;
  EXPECT_TRUE(passed("service eggmonster-launchd stays up (same pid after 1.1 s)"));
}

TEST_F(EggmonsterSandbox, AnAgentOfAnotherVersionThanTheMastersWouldUpgradeItselfAndIsCaught) {
  build_agent({{"eggmonster/__init__.py", "__version__ = \"6.0\"\n"}});
  auto r = check_agent("      host_id: node-7\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(passed("/opt/eggmonster has eggmonster==6.1")) << "its distribution says 6.1";
  std::string d = detail_of(kPhonesHomeAsNode7);
  EXPECT_NE(d.find("closed the connection after the master's version banner (eggmonster 6.1) "
                   "without sending its host id"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("the master runs eggmonster 6.1, this agent 6.0"), std::string::npos) << d;
}

TEST_F(EggmonsterSandbox, AnAgentThatDiesAtStartFailsTheStabilityCheck) {
  build_agent({{"eggmonster/identity.py", "raise ImportError('eggmonster is half installed')\n"}});
  auto r = check_agent("");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(release()["verdicts"]["applied"]["passed"]);
  std::string d = detail_of("service eggmonster-launchd stays up (same pid after 1.1 s)");
  EXPECT_NE(d.find("(a crash loop)"), std::string::npos) << d;
  EXPECT_NE(d.find("ImportError: eggmonster is half installed"), std::string::npos) << d;
  EXPECT_EQ(detail_of("the agent phones home: it connects to eggmaster.example.org:8001 as "
                      "'<node name>'"),
            "not tried: the agent's service is not up and stable (see above)");
}

TEST_F(EggmonsterSandbox, WithoutAPythonInTheTargetApplySaysWhatToAdd) {
  build_agent();
  auto r = check_steps(
      "  - daemontools:\n"
      "  - eggmonster:\n"
      "      master: http://eggmaster.example.org:8000\n"
      "      cheeseshop: http://pypi.example.org/simple\n"
      "      package: eggmonster==6.1\n"
      "      find_links: eggs\n"
      "      python: /usr/bin/python3.99\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  json v = release()["verdicts"]["applied"];
  EXPECT_FALSE(v["passed"]);
  std::string msg = v["messages"][0];
  EXPECT_NE(msg.find("b.yaml:10:15: /usr/bin/python3.99 is not in the target: put a python step "
                     "before this one"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace bootstrap
