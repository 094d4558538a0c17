// The sso plugin for real: `bootstrap check` on debian:bookworm, where the checks log in
// through the target's own sshd with certificates of a throwaway CA, and run sudo as the users.
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

const char* kPeople =
    "      groups: [developers]\n"
    "      users:\n"
    "        - {name: alice, groups: [developers]}\n"
    "        - {name: bob, principals: [bob, oncall-bob]}\n"
    "      accounts:\n"
    "        root: [oncall]\n"
    "      sudo:\n"
    "        - {group: developers, commands: ALL, nopasswd: true}\n"
    "        - {user: bob, commands: [/usr/bin/id, /usr/bin/true], runas: root, nopasswd: true}\n";

class SsoSandbox : public SandboxCheckTest {
 protected:
  SsoSandbox() : SandboxCheckTest({"/usr/sbin/sshd", "sshd:", "ssh"}) {}
  void SetUp() override {
    SandboxCheckTest::SetUp();
    if (IsSkipped()) return;
    auto made =
        testing::run({"/bin/sh", std::string(BOOTSTRAP_SOURCE_DIR) + "/scripts/make-sso-keys.sh",
                      (dir.path() / "keys").string()});
    ASSERT_EQ(made.status, 0) << made.err;
  }
  std::string sso_step(const std::string& people = kPeople) {
    return "  - sso:\n      ca_keys: [keys/dev-ca.pub]\n      revoked_keys: keys/revoked.krl\n" +
           people;
  }
  testing::Ran check(const std::string& steps) { return check_steps(steps); }
};

TEST_F(SsoSandbox, CertificatesLogInAndEveryRefusalIsProvenByALoginThatFails) {
  auto r = check(sso_step());
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  json rel = release();
  const json& step = rel["steps"][0];
  for (const char* login : {"a certificate for principal alice logs in as alice",
                            "a certificate for principal bob logs in as bob",
                            "a certificate for principal oncall logs in as root"}) {
    json c = check_named(step, login);
    ASSERT_FALSE(c.is_null()) << login << " missing in " << step["checks"];
    EXPECT_TRUE(c["passed"]);
    EXPECT_NE(c["detail"].get<std::string>().find("Accepted publickey ... ID bootstrap-check-"),
              std::string::npos)
        << c;
  }
  for (const char* refusal :
       {"refused: a plain key, no certificate", "refused: an expired certificate",
        "refused: a certificate not valid yet",
        "refused: a certificate for a principal not listed for alice",
        "refused: a revoked certificate (serial 666)", "refused: a certificate from another CA",
        "refused: password login (sshd offers no password method)"}) {
    json c = check_named(step, refusal);
    ASSERT_FALSE(c.is_null()) << refusal << " missing in " << step["checks"];
    EXPECT_TRUE(c["passed"]) << refusal << ": " << c["detail"];
    // The proof is sshd's own answer to a real attempt.
    EXPECT_NE(c["detail"].get<std::string>().find("Permission denied (publickey)"),
              std::string::npos)
        << refusal << ": " << c;
  }
  for (const char* sudo : {"sudo rule for %developers: alice runs a command as root",
                           "sudo rule for bob: bob may run /usr/bin/id as root",
                           "sudo rule for bob: bob may not run /bin/sh (outside the rule)",
                           "visudo -c accepts every sudoers file (owner and mode too)",
                           "sshd -t accepts the configuration",
                           "the KRL /etc/ssh/bootstrap-sso-revoked.krl is readable (a missing one "
                           "locks out every key)"}) {
    json c = check_named(step, sudo);
    ASSERT_FALSE(c.is_null()) << sudo << " missing in " << step["checks"];
    EXPECT_TRUE(c["passed"]) << sudo << ": " << c["detail"];
  }
  // Host keys: made in every run, never compared, listed as a host's own.
  bool listed = false;
  for (const auto& c : rel["changes"])
    if (c["path"] == "/etc/ssh/ssh_host_ed25519_key") listed = c["per_host"];
  EXPECT_TRUE(listed) << "the host key is not listed as per host";
  EXPECT_TRUE(rel["verdicts"]["repeatable"]["passed"]);
}

TEST_F(SsoSandbox, ADropInPlantedByAnEarlierStepThatTurnsPasswordsOnIsCaughtByName) {
  auto r = check(
      "  - fslayout:\n"
      "      directories: [{path: /etc/ssh, mode: \"0755\"}, {path: /etc/ssh/sshd_config.d, mode: "
      "\"0755\"}]\n"
      "      files:\n"
      "        - {path: /etc/ssh/sshd_config.d/00-a-local-override.conf, content: "
      "\"PasswordAuthentication yes\\n\"}\n" +
      sso_step());
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  json rel = release();
  const json& step = rel["steps"][1];
  json effective = check_named(step, "sshd's effective passwordauthentication is no");
  ASSERT_FALSE(effective.is_null()) << step["checks"];
  EXPECT_FALSE(effective["passed"]);
  EXPECT_NE(effective["detail"].get<std::string>().find(
                "set by /etc/ssh/sshd_config.d/00-a-local-override.conf"),
            std::string::npos)
      << effective;
  json password = check_named(step, "refused: password login (sshd offers no password method)");
  ASSERT_FALSE(password.is_null());
  EXPECT_FALSE(password["passed"]);
  EXPECT_NE(password["detail"].get<std::string>().find("sshd offers it"), std::string::npos)
      << password;
}

// Two sudo configurations applied one after the other to one target (a bookworm sandbox with
// the network): the second, which visudo rejects, fails with visudo's words and leaves the first.
TEST_F(SsoSandbox, ASudoRuleVisudoRejectsFailsApplyAndTheFragmentBeforeStays) {
  PluginHost plugins{{BOOTSTRAP_PLUGIN_DIR}};
  plugins.load_all();
  auto configure = [&](const std::string& people) {
    Baseline b = parse_baseline("baseline: t\nos: [bookworm]\nsteps:\n" + sso_step(people),
                                (dir.path() / "t.yaml").string());
    b.file = dir.path() / "t.yaml";
    return configure_baseline(b, plugins);
  };
  ConfiguredBaseline good = configure(
      "      sudo: [{group: developers, commands: ALL, nopasswd: true}]\n      groups: "
      "[developers]\n");
  ConfiguredBaseline bad = configure("      sudo: [{user: Defaults, commands: ALL}]\n");
  json j = testing::on_online_bookworm([&](RootHost& host) {
    json out;
    ApplyReport first = apply_baseline(good, host, false);
    out["first"] = first.steps[0].error.value_or("");
    std::string before = host.read_file("/etc/sudoers.d/bootstrap-sso").value_or("(none)");
    ApplyReport second = apply_baseline(bad, host, false);
    out["second"] = second.steps[0].error.value_or("");
    out["kept"] = host.read_file("/etc/sudoers.d/bootstrap-sso").value_or("(none)") == before;
    out["candidate_left"] =
        host.stat("/etc/bootstrap-sso.sudoers.candidate").type != FileType::Missing;
    return out;
  });
  ASSERT_FALSE(j.contains("error")) << j;
  EXPECT_EQ(j["first"], "");
  std::string second = j["second"];
  EXPECT_NE(second.find("visudo rejects the sudo rules, so /etc/sudoers.d/bootstrap-sso was not "
                        "installed (the one before stays)"),
            std::string::npos)
      << second;
  EXPECT_NE(second.find("/etc/bootstrap-sso.sudoers.candidate"), std::string::npos)
      << "visudo's own message is missing: " << second;
  EXPECT_TRUE(j["kept"]);
  EXPECT_FALSE(j["candidate_left"]);
}

}  // namespace
}  // namespace bootstrap
