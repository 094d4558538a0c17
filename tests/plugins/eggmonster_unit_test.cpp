// The eggmonster step without a target: its configuration through the real loader, the
// service it writes, the ports it derives, and how the stand-in master's report is read.
#include <gtest/gtest.h>

#include "eggmonster_config.hpp"
#include "plugins/step_config_fixture.hpp"
#include "service_files.hpp"
#include "stand_in_master.hpp"

namespace bootstrap {
namespace {

using EggmonsterConfig = StepConfigTest;

const std::string kDaemontools = "  - daemontools:\n";
const std::string kMinimal =
    "  - eggmonster:\n"
    "      master: http://eggmaster.example.org:8000\n"
    "      cheeseshop: http://pypi.example.org/simple\n"
    "      package: eggmonster==6.1\n";

StepConfig step_of(const std::string& yaml_steps, const std::string& file) {
  Baseline b = parse_baseline("baseline: t\nos: [bookworm]\nsteps:\n" + yaml_steps, file);
  return {b.steps.back().config, "/nonexistent", 1};
}

TEST_F(EggmonsterConfig, NeedsDaemontoolsEarlierAndFetchesTheVenvModule) {
  ConfiguredBaseline c = configure(kDaemontools + kMinimal);
  std::vector<std::string> required;
  ASSERT_FALSE(c.steps[1].instance.port().required_plugins(required));
  EXPECT_EQ(required, (std::vector<std::string>{"daemontools"}));
  Fetch f;
  ASSERT_FALSE(c.steps[1].instance.port().fetch(f));
  EXPECT_EQ(f.packages, (std::vector<std::string>{"python3-venv"}));
  std::vector<Service> services;
  ASSERT_FALSE(c.steps[1].instance.port().services(services));
  EXPECT_TRUE(services.empty()) << "the agent runs under svscan, not as a service of its own";
  EXPECT_NE(error_of(kMinimal + kDaemontools)
                .find(":4:5: eggmonster needs a daemontools step earlier in the baseline"),
            std::string::npos);
}

TEST_F(EggmonsterConfig, TheAgentsServiceRunsLaunchdWithItsEnvironmentAndHostId) {
  auto c = eggmonster::parse_eggmonster(
      step_of(kMinimal + "      host_id: node-7\n      user: apps\n", "t.yaml"));
  daemontools::ServiceSpec s = eggmonster::launchd_service(c);
  EXPECT_EQ(s.name, "eggmonster-launchd");
  EXPECT_EQ(s.run, (std::vector<std::string>{"/opt/eggmonster/bin/monster_launchd", "-u", "apps",
                                             "-i", "node-7"}));
  EXPECT_EQ(s.env.at("EGGMONSTER_MASTER"), "http://eggmaster.example.org:8000");
  EXPECT_EQ(s.env.at("EGGMONSTER_CHEESESHOP"), "http://pypi.example.org/simple");
  EXPECT_TRUE(s.log);
  std::string run = daemontools::run_script(s);
  EXPECT_NE(run.find("exec envdir /etc/eggmonster/launchd/env /opt/eggmonster/bin/monster_launchd "
                     "-u apps -i node-7\n"),
            std::string::npos)
      << run;
  EXPECT_EQ(c.master.launch_port(), 8001);
  EXPECT_EQ(c.venv.index_url, "http://pypi.example.org/simple") << "no find_links: the cheeseshop";
  // host_id: hostname (the default) sends the node's name: no -i.
  auto d = eggmonster::parse_eggmonster(step_of(kMinimal + "      host_id: hostname\n", "t.yaml"));
  EXPECT_EQ(eggmonster::launchd_service(d).run,
            (std::vector<std::string>{"/opt/eggmonster/bin/monster_launchd", "-u", "eggmonster"}));
}

TEST_F(EggmonsterConfig, MasterUrlsAreReadTheWayTheAgentReadsThem) {
  auto master = [](const std::string& url) {
    return eggmonster::parse_master(Value::scalar(url, {"t.yaml", 1, 1}));
  };
  EXPECT_EQ(master("https://[::1]:9000/").host, "::1");
  EXPECT_EQ(master("https://[::1]:9000/").launch_port(), 9001);
  EXPECT_TRUE(master("http://10.1.2.3:8000").host_is_address());
  EXPECT_FALSE(master("http://eggmaster:8000").host_is_address());
  auto refused = [&](const std::string& url) {
    try {
      master(url);
    } catch (const ConfigError& e) {
      return e.bare_message();
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(refused("http://eggmaster").find("has no port: the agent would use the scheme's (80"),
            std::string::npos);
  EXPECT_NE(refused("http://eggmaster:65534").find("out of range"), std::string::npos);
  EXPECT_NE(refused("http://ops:secret@eggmaster:8000").find("may not carry a user or password"),
            std::string::npos);
  EXPECT_NE(refused("ftp://eggmaster:8000").find("is the master's http:// URL"), std::string::npos);
  EXPECT_NE(refused("http://:8000").find("no usable host"), std::string::npos);
}

TEST_F(EggmonsterConfig, BadValuesAreRefusedWhereTheyAre) {
  std::string file = (dir.path() / "t.yaml").string();
  EXPECT_EQ(error_of(kDaemontools + kMinimal + "      host_id: 'node 7'\n"),
            file +
                ":9:16: 'host_id' is 'hostname' (the node's name) or a host id of "
                "[A-Za-z0-9._-], not 'node 7'");
  EXPECT_EQ(error_of(kDaemontools + kMinimal + "      user: 'a:b'\n"),
            file + ":9:13: 'user' is not a user name: 'a:b'");
  EXPECT_EQ(error_of(kDaemontools + kMinimal + "      venv: /\n"),
            file + ":9:13: the agent's venv cannot be '/'");
  EXPECT_NE(
      error_of(kDaemontools + "  - eggmonster:\n      master: http://m:8000\n").find("cheeseshop"),
      std::string::npos);
  EXPECT_NE(error_of(kDaemontools + kMinimal + "      find_links: no-such-folder\n")
                .find(":9:19: 'find_links' folder 'no-such-folder' not found"),
            std::string::npos);
}

TEST(EggmonsterStandIn, ItsReportIsReadEventByEvent) {
  auto ok = eggmonster::parse_seen("connected\nhost-id node-7\nheartbeats-answered\n");
  EXPECT_TRUE(ok.connected && ok.sent_id && ok.heartbeats_answered);
  EXPECT_EQ(ok.host_id, "node-7");
  auto upgraded = eggmonster::parse_seen("connected\nclosed-after-banner ''\n");
  EXPECT_TRUE(upgraded.closed_after_banner);
  EXPECT_FALSE(upgraded.sent_id);
  auto nobody = eggmonster::parse_seen("svc-failed unable to control x\nno-connection\n");
  EXPECT_FALSE(nobody.connected);
  EXPECT_EQ(nobody.other, "svc-failed unable to control x");
  auto busy = eggmonster::parse_seen("cannot-listen bind 127.0.0.1:8001: Address in use\n");
  EXPECT_FALSE(busy.listening);
  EXPECT_EQ(busy.listen_error, "bind 127.0.0.1:8001: Address in use");
}

}  // namespace
}  // namespace bootstrap
