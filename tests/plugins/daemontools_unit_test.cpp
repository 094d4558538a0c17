// The daemontools step without a target: its configuration through the real loader, the
// scripts it writes, and supervise's status file.
#include <gtest/gtest.h>

#include <fstream>

#include "plugins/step_config_fixture.hpp"
#include "service_files.hpp"
#include "supervise_status.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {

using DaemontoolsConfig = StepConfigTest;

TEST_F(DaemontoolsConfig, AloneItInstallsDebiansSupervisorAndDeclaresSvscanForTheChecks) {
  for (const char* step : {"  - daemontools:\n", "  - daemontools: {}\n"}) {
    ConfiguredBaseline c = configure(step);
    Fetch f;
    ASSERT_FALSE(c.steps[0].instance.port().fetch(f));
    EXPECT_EQ(f.packages, (std::vector<std::string>{"daemontools", "daemontools-run"}));
    std::vector<Service> services;
    ASSERT_FALSE(c.steps[0].instance.port().services(services));
    ASSERT_EQ(services.size(), 1u);
    EXPECT_EQ(services[0].command.argv, (std::vector<std::string>{"svscan", "/etc/service"}));
    EXPECT_EQ(services[0].ready.kind, ReadinessProbe::Kind::CommandSucceeds);
  }
}

TEST_F(DaemontoolsConfig, BadServicesAreRefusedWhereTheyAre) {
  EXPECT_EQ(error_of("  - daemontools:\n      services:\n        - {name: web, run: []}\n"),
            (dir.path() / "t.yaml").string() +
                ":6:28: 'run' needs at least the program: [/absolute/program, args...]");
  EXPECT_NE(error_of("  - daemontools:\n      services:\n        - {name: .web, run: [/bin/web]}\n")
                .find(":6:18: '.web' is not a service name"),
            std::string::npos);
  EXPECT_NE(error_of("  - daemontools:\n      services:\n        - {name: web, run: [/bin/web], "
                     "user: 'a b'}\n")
                .find("'user' is not a user name: 'a b'"),
            std::string::npos);
  EXPECT_NE(error_of("  - daemontools:\n      services:\n        - {name: web, run: [/bin/web], "
                     "env: {1X: y}}\n")
                .find("'1X' is not an environment variable name"),
            std::string::npos);
  EXPECT_NE(error_of("  - daemontools:\n      service_dir: service\n").find(":5:20:"),
            std::string::npos);
  EXPECT_NE(error_of("  - daemontools:\n      source: repository\n")
                .find("'source: repository' needs 'repository'"),
            std::string::npos);
}

TEST_F(DaemontoolsConfig, ARepositoryBringsItsKeyAndThePackageItNames) {
  std::ofstream(dir.path() / "org.asc")
      << "-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n-----END PGP PUBLIC KEY BLOCK-----\n";
  Fetch f = fetch_of(
      "  - daemontools:\n      repository: \"deb https://apt.example.org/tools bookworm main\"\n"
      "      key: org.asc\n      package: org-daemontools\n");
  EXPECT_EQ(f.packages, (std::vector<std::string>{"org-daemontools"}));
  ASSERT_EQ(f.apt_sources.size(), 1u);
  EXPECT_EQ(f.apt_sources[0].name, "bootstrap-org-daemontools");
  EXPECT_NE(
      f.apt_sources[0].deb_line.find("signed-by=/etc/apt/keyrings/bootstrap-org-daemontools.asc"),
      std::string::npos)
      << f.apt_sources[0].deb_line;
}

TEST(DaemontoolsFiles, TheRunScriptExecsTheServiceWithItsDirectoryEnvironmentAndUser) {
  daemontools::ServiceSpec s;
  s.name = "dragoman";
  s.run = {"/srv/apps/dragoman/bin/dragoman-node", "--port", "8080", "it's"};
  s.user = "dragoman";
  s.home = daemontools::service_home(s.name);
  s.directory = "/srv/apps/dragoman";
  s.env = {{"DRAGOMAN_ENV", "production"}};
  std::string run = daemontools::run_script(s);
  EXPECT_EQ(run.substr(0, 10), "#!/bin/sh\n");
  EXPECT_NE(run.find("\nexec 2>&1\ncd /srv/apps/dragoman || exit 111\n"
                     "exec envdir /etc/daemontools/dragoman/env setuidgid dragoman "
                     "/srv/apps/dragoman/bin/dragoman-node "
                     "--port 8080 'it'\\''s'\n"),
            std::string::npos)
      << run;
  EXPECT_NE(daemontools::log_run_script(s, "multilog")
                .find("\nexec setuidgid multilog multilog t /var/log/daemontools/dragoman\n"),
            std::string::npos);
  EXPECT_EQ(daemontools::env_file(""), "\n");  // an empty file would unset the variable
  // The script means what it says: sh runs it to the exec of the program with those words.
  s.run = {"/bin/echo", "it's", "a b"};
  s.env.clear();
  s.user.clear();
  s.directory = "/";
  auto r = testing::run({"/bin/sh", "-c", daemontools::run_script(s)});
  EXPECT_EQ(r.out, "it's a b\n");
}

TEST(DaemontoolsStatus, SupervisesStatusFileGivesThePidAndWhatIsWanted) {
  std::string bytes(12, '\0');
  bytes += std::string("\x39\x30\x00\x00", 4) + std::string(1, '\0') + "u";  // pid 12345
  auto s = daemontools::parse_supervise_status(bytes);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pid, 12345u);
  EXPECT_EQ(s->want, 'u');
  EXPECT_FALSE(s->paused);
  EXPECT_FALSE(daemontools::parse_supervise_status("short"));
}

}  // namespace
}  // namespace bootstrap
