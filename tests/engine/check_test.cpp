// bootstrap check, end to end, on the host image (a disposable copy of this machine), with
// real plugins and fixture plugins that misbehave on purpose.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/check_fixture.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using testing::bootstrap;

TEST_F(CheckTest, DragomanPassesOnTheHostImageAndShowsExactlyTheFslayoutPaths) {
  auto r =
      bootstrap({"--cache-dir", cache.path().string(), "check",
                 std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml", "--image", "host",
                 "--show-changes", "--no-record", "--junit", (dir.path() / "junit.xml").string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 passed, 0 failed"), std::string::npos) << r.out;
  for (const char* path : {"/srv/apps", "/srv/apps/dragoman", "/var/log/apps",
                           "/etc/dragoman/node.conf", "/etc/motd", "/srv/dragoman"})
    EXPECT_NE(r.out.find(std::string(" ") + path + "  by fslayout (step 1)"), std::string::npos)
        << path << "\n"
        << r.out;
  for (const char* path : {"/etc/service/dragoman-health", "/etc/daemontools/dragoman-health/run"})
    EXPECT_NE(r.out.find(std::string(" ") + path + "  by daemontools (step 4)"), std::string::npos)
        << path << "\n"
        << r.out;
  for (const char* path :
       {"/etc/service/eggmonster-launchd", "/etc/eggmonster/launchd/env/EGGMONSTER_MASTER"})
    EXPECT_NE(r.out.find(std::string(" ") + path + "  by eggmonster (step 5)"), std::string::npos)
        << path << "\n"
        << r.out;
  // fslayout adds the group apps to /etc/group, daemontools the log user, eggmonster its user,
  // sso the people last.
  for (const char* path :
       {"/etc/group", "/etc/sudoers.d/bootstrap-sso", "/etc/ssh/auth_principals/alice"})
    EXPECT_NE(r.out.find(std::string(" ") + path + "  by sso (step 6)"), std::string::npos)
        << path << "\n"
        << r.out;
  // The venv inside /srv/apps/dragoman is one line, with the step that made it.
  EXPECT_NE(r.out.find("paths inside by setuptools (step 3) (-v lists them)"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("/srv/apps/dragoman/bin/python"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("/etc/resolv.conf"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("/etc/hostname"), std::string::npos) << r.out;
  std::ifstream junit(dir.path() / "junit.xml");
  std::string xml((std::istreambuf_iterator<char>(junit)), {});
  EXPECT_NE(xml.find("<testsuites"), std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"dragoman.bookworm\" name=\"repeatable\""),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("<failure"), std::string::npos);
}

TEST_F(CheckTest, RandomBytesFailRepeatableNamingTheFile) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - random_bytes: {}\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  auto j = report()["releases"][0]["verdicts"];
  EXPECT_TRUE(j["applied"]["passed"]);
  EXPECT_FALSE(j["repeatable"]["passed"]);
  std::string msg = j["repeatable"]["messages"][0];
  EXPECT_NE(msg.find("/var/lib/random-bytes: content differs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("random_bytes (step 1)"), std::string::npos) << msg;
}

TEST_F(CheckTest, AppendingOnEveryApplyFailsIdempotentNamingStepAndFile) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - append_line: {}\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  auto j = report()["releases"][0]["verdicts"];
  EXPECT_TRUE(j["repeatable"]["passed"]);
  EXPECT_FALSE(j["idempotent"]["passed"]);
  std::string all;
  for (const auto& m : j["idempotent"]["messages"]) all += m.get<std::string>() + "\n";
  EXPECT_NE(all.find("append_line (step 1) reported a change on re-apply: modified /etc/appended"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("re-apply changed /etc/appended"), std::string::npos) << all;
}

TEST_F(CheckTest, AFailingCheckFailsVerifiedNamingTheCheck) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - failing_check: {}\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  auto j = report()["releases"][0]["verdicts"];
  EXPECT_FALSE(j["verified"]["passed"]);
  std::string msg = j["verified"]["messages"][0];
  EXPECT_NE(msg.find("failing_check (step 1): check failed: A: the moon is made of cheese (it is "
                     "made of rock)"),
            std::string::npos)
      << msg;
}

TEST_F(CheckTest, ASegfaultIsAFailedApplyOfThatStepAndLeavesNothingBehind) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - random_bytes: {}\n  - segfault: {}\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  auto j = report()["releases"][0];
  EXPECT_FALSE(j["verdicts"]["applied"]["passed"]);
  std::string msg = j["verdicts"]["applied"]["messages"][0];
  EXPECT_NE(msg.find("segfault (step 2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SIGSEGV"), std::string::npos) << msg;
  // Nothing of the run is left in the cache's scratch area.
  std::size_t left = 0;
  for (const auto& e : fs::directory_iterator(cache.path() / "tmp"))
    left += e.is_directory() ? 1 : 0;
  EXPECT_EQ(left, 0u);
}

TEST_F(CheckTest, ASecondCheckReusesRunALayersAndAnEditedLastStepRerunsOnlyThatStep) {
  std::string two =
      "baseline: t\nos: [bookworm]\nsteps:\n"
      "  - fslayout: {directories: [{path: /srv/one}]}\n"
      "  - fslayout: {directories: [{path: /srv/two}]}\n";
  ASSERT_EQ(check(two).status, 0);
  auto first = report()["releases"][0]["steps"];
  EXPECT_FALSE(first[0]["cached"]);
  EXPECT_FALSE(first[1]["cached"]);
  EXPECT_FALSE(first[0]["cached_b"]);

  // Nothing changed: the first check's result stands, and the report says when it was made.
  auto again = check(two);
  ASSERT_EQ(again.status, 0);
  EXPECT_NE(again.out.find("nothing changed since the check of "), std::string::npos) << again.out;
  EXPECT_FALSE(report()["releases"][0]["reused_from"].get<std::string>().empty());

  std::string edited = two;
  edited.replace(edited.find("/srv/two"), 8, "/srv/2");
  ASSERT_EQ(check(edited).status, 0);
  auto third = report()["releases"][0]["steps"];
  EXPECT_TRUE(third[0]["cached"]);
  EXPECT_FALSE(third[1]["cached"]);
  // Run B too: its own layer of step 1 (made by its own run), step 2 again.
  EXPECT_TRUE(third[0]["cached_b"]);
  EXPECT_FALSE(third[1]["cached_b"]);
  EXPECT_EQ(report()["releases"][0]["reused_from"], "");

  auto fresh = check(two, {"--no-cache"});
  ASSERT_EQ(fresh.status, 0);
  EXPECT_EQ(fresh.out.find("nothing changed since"), std::string::npos) << fresh.out;
  EXPECT_FALSE(report()["releases"][0]["steps"][0]["cached"]);
}

// 40 steps: run A's later sandboxes mount a squashed layer of the first 32 steps and at most 15
// step layers above it, and every path is still attributed to the step that wrote it.
TEST_F(CheckTest, ALongBaselineStacksABoundedNumberOfLayersAndNamesTheStepOfEveryPath) {
  std::string text = "baseline: long\nos: [bookworm]\nsteps:\n";
  for (int i = 1; i <= 40; ++i)
    text += "  - fslayout: {directories: [{path: /srv/long/d" + std::to_string(i) + "}]}\n";
  auto r = check(text, {"--no-cache", "--show-changes"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::size_t squashed = 0;
  for (const auto& e : fs::directory_iterator(cache.path() / "layers"))
    squashed += e.is_directory() && e.path().filename().string().starts_with("squash-") ? 1 : 0;
  EXPECT_EQ(squashed, 4u);  // after steps 16 and 32, in run A and in run B
  for (int i : {1, 16, 17, 33, 40}) {
    std::string n = std::to_string(i);
    EXPECT_NE(r.out.find(" /srv/long/d" + n + "  by fslayout (step " + n + ")"), std::string::npos)
        << n << "\n"
        << r.out;
  }
  // An edited last step: the squashed layers and the other step layers are reused.
  text.replace(text.find("/srv/long/d40"), 13, "/srv/long/last");
  auto again = check(text);
  ASSERT_EQ(again.status, 0) << again.out << again.err;
  auto steps = report()["releases"][0]["steps"];
  EXPECT_TRUE(steps[38]["cached"]);
  EXPECT_FALSE(steps[39]["cached"]);
  EXPECT_TRUE(steps[38]["cached_b"]);
  EXPECT_FALSE(steps[39]["cached_b"]);
  // An edit further up: both runs re-run that step and the ones after it, no more.
  text.replace(text.find("/srv/long/d20"), 13, "/srv/long/mid");
  auto middle = check(text);
  ASSERT_EQ(middle.status, 0) << middle.out << middle.err;
  steps = report()["releases"][0]["steps"];
  for (int i : {0, 15, 18}) {
    EXPECT_TRUE(steps[i]["cached"]) << i;
    EXPECT_TRUE(steps[i]["cached_b"]) << i;
  }
  for (int i : {19, 20, 39}) {
    EXPECT_FALSE(steps[i]["cached"]) << i;
    EXPECT_FALSE(steps[i]["cached_b"]) << i;
  }
}

TEST_F(CheckTest, JsonReportHasASchemaVersion) {
  ASSERT_EQ(
      check("baseline: t\nos: [bookworm]\nsteps:\n  - fslayout: {directories: [{path: /srv/x}]}\n")
          .status,
      0);
  auto j = report();
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["releases"][0]["release"], "bookworm");
}

}  // namespace
}  // namespace bootstrap

namespace bootstrap {
namespace {

TEST_F(CheckTest, ReachingForTheNetworkDuringApplyFailsAndSaysApplyIsOffline) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - needs_network: {}\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  std::string msg = report()["releases"][0]["verdicts"]["applied"]["messages"][0];
  EXPECT_NE(msg.find("needs_network (step 1) failed to apply"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the apply phase has no network"), std::string::npos) << msg;
}

}  // namespace
}  // namespace bootstrap

namespace bootstrap {
namespace {

TEST_F(CheckTest, JunitReportsValidateAgainstTheJunitSchemaPassingOrFailing) {
  BOOTSTRAP_SKIP_UNLESS(fs::exists("/usr/bin/xmllint"), "needs xmllint (libxml2-utils)");
  const std::string xsd = std::string(BOOTSTRAP_SOURCE_DIR) + "/tests/data/junit.xsd";
  for (const char* steps : {"  - fslayout: {directories: [{path: /srv/x}]}\n",
                            "  - random_bytes: {}\n  - append_line: {}\n"}) {
    auto r = check(std::string("baseline: t\nos: [bookworm]\nsteps:\n") + steps,
                   {"--junit", (dir.path() / "junit.xml").string()});
    auto v = testing::run(
        {"/usr/bin/xmllint", "--noout", "--schema", xsd, (dir.path() / "junit.xml").string()});
    EXPECT_EQ(v.status, 0) << v.err;
    std::ifstream in(dir.path() / "junit.xml");
    std::string xml((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(xml.find("<failure") != std::string::npos, r.status != 0) << xml;
  }
}

}  // namespace
}  // namespace bootstrap

namespace bootstrap {
namespace {

TEST_F(CheckTest, JobsChecksImagesInParallelProcessesAndReportsEach) {
  auto r = check(
      "baseline: t\nos: [bookworm]\nsteps:\n  - fslayout: {directories: [{path: /srv/x}]}\n  - "
      "random_bytes: {}\n",
      {"--image", "host", "--jobs", "2"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  auto releases = report()["releases"];
  ASSERT_EQ(releases.size(), 2u);
  for (const auto& rel : releases) {
    EXPECT_TRUE(rel["verdicts"]["applied"]["passed"]);
    EXPECT_FALSE(rel["verdicts"]["repeatable"]["passed"]);  // each process found the random file
  }
  EXPECT_NE(r.out.find("6 passed, 2 failed"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace bootstrap

namespace bootstrap {
namespace {

// python3's http.server on the loopback, serving `dir`: the fetch phase shares this machine's
// network, so a real HTTP download reaches it.
class HttpServer {
 public:
  explicit HttpServer(const fs::path& dir) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      execlp("python3", "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
             "--directory", dir.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n')
      line += c;  // "Serving HTTP on 127.0.0.1 port N (...)"
    close(out[0]);
    auto at = line.find(" port ");
    if (at == std::string::npos) throw std::runtime_error("http.server said: " + line);
    port_ = std::stoi(line.substr(at + 6));
  }
  ~HttpServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& file) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + file;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(CheckTest, AFileAStepDeclaresIsDownloadedInTheFetchPhaseAndItsSha256Checked) {
  BOOTSTRAP_SKIP_UNLESS(fs::exists("/usr/bin/python3"), "needs python3 for a local HTTP server");
  BOOTSTRAP_SKIP_UNLESS(fs::exists("/usr/lib/apt/apt-helper"),
                        "needs apt's apt-helper (Debian's apt)");
  testing::TempDir www;
  std::ofstream(www / "payload.txt") << "fetched over http\n";
  auto sum = testing::run({"/usr/bin/sha256sum", (www / "payload.txt").string()});
  ASSERT_EQ(sum.status, 0);
  std::string sha = sum.out.substr(0, 64);
  HttpServer http(www.path());
  auto baseline = [&](const std::string& digest) {
    return "baseline: t\nos: [bookworm]\nsteps:\n  - fetched_file: {url: '" +
           http.url("payload.txt") + "', sha256: " + digest + ", name: payload.txt}\n";
  };

  auto r = check(baseline(sha), {"--show-changes"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" /srv/fetched/payload.txt  by fetched_file (step 1)"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("bootstrap-fetched"), std::string::npos)
      << "fetched files are not the step's changes\n"
      << r.out;
  EXPECT_GT(report()["releases"][0]["fetched_bytes"].get<std::uint64_t>(), 0u);

  std::string wrong(64, '0');
  auto bad = check(baseline(wrong));
  EXPECT_NE(bad.status, 0) << bad.out << bad.err;
  std::string all = bad.out + bad.err;
  EXPECT_NE(all.find("apt-helper"), std::string::npos) << all;
  EXPECT_NE(all.find("payload.txt"), std::string::npos) << all;
  EXPECT_NE(all.find("Hash Sum mismatch"), std::string::npos) << all;

  auto unsafe = check("baseline: t\nos: [bookworm]\nsteps:\n  - fetched_file: {url: '" +
                      http.url("payload.txt") + "', sha256: " + sha + ", name: ../escape}\n");
  EXPECT_NE(unsafe.status, 0);
  EXPECT_NE((unsafe.out + unsafe.err)
                .find("'../escape' (for " + http.url("payload.txt") + ") is not a plain file name"),
            std::string::npos)
      << unsafe.out << unsafe.err;
}

}  // namespace
}  // namespace bootstrap

namespace bootstrap {
namespace {

TEST_F(CheckTest, AFileUrlNamesAFileOnThisMachineAndItsContentKeysTheFetchLayer) {
  BOOTSTRAP_SKIP_UNLESS(fs::exists("/usr/lib/apt/apt-helper"),
                        "needs apt's apt-helper (Debian's apt)");
  testing::TempDir src;
  std::ofstream(src / "local.txt") << "first\n";
  std::string text = "baseline: t\nos: [bookworm]\nsteps:\n  - fetched_file: {url: 'file://" +
                     (src / "local.txt").string() + "', name: local.txt}\n";
  auto first = check(text, {"--show-changes"});
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  EXPECT_NE(first.out.find(" /srv/fetched/local.txt  by fetched_file (step 1)"), std::string::npos)
      << first.out;
  EXPECT_FALSE(report()["releases"][0]["fetch_cached"].get<bool>());

  auto same = check(text);
  ASSERT_EQ(same.status, 0) << same.out << same.err;
  EXPECT_TRUE(report()["releases"][0]["fetch_cached"].get<bool>()) << "same file, same layer";

  std::ofstream(src / "local.txt") << "second\n";
  auto changed = check(text);
  ASSERT_EQ(changed.status, 0) << changed.out << changed.err;
  EXPECT_FALSE(report()["releases"][0]["fetch_cached"].get<bool>()) << "new content, fetched again";

  auto missing = check(
      "baseline: t\nos: [bookworm]\nsteps:\n  - fetched_file: {url: 'file:///no/such/file', name: "
      "x}\n");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(
      (missing.out + missing.err).find("file:///no/such/file: not a readable file on this machine"),
      std::string::npos)
      << missing.out << missing.err;
}

// apt-get update exits 0 when a source cannot be reached; the check names the source and apt's
// reason instead of going on to "Unable to locate package".
TEST_F(CheckTest, AnOrganisationRepositoryThatCannotBeReachedIsNamedWithAptsReason) {
  std::ofstream(dir.path() / "org.asc")
      << "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGQ=\n-----END PGP PUBLIC KEY BLOCK-----\n";
  auto r = check(
      "baseline: t\nos: [bookworm]\nsteps:\n  - python:\n"
      "      repository: \"deb http://127.0.0.1:9/python bookworm main\"\n"
      "      key: org.asc\n      package: orgpython3\n      version: \"3.11\"\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  std::string msg = report()["releases"][0]["verdicts"]["applied"]["messages"][0];
  EXPECT_NE(
      msg.find(
          "apt-get update could not fetch 1 index of the package sources: "
          "http://127.0.0.1:9/python/dists/bookworm/InRelease: Could not connect to 127.0.0.1:9"),
      std::string::npos)
      << msg;
  EXPECT_NE(msg.find("(the apt source bootstrap-orgpython3: deb [signed-by="), std::string::npos)
      << msg;
  EXPECT_EQ(r.out.find("Unable to locate package"), std::string::npos) << r.out;
  EXPECT_GT(report()["releases"][0]["seconds"].get<double>(), 0.0) << "the time it took, not 0";
}

TEST_F(CheckTest, WithoutANetworkTheFetchSaysSoAndNamesTheImagesSources) {
  std::ofstream(dir.path() / "b.yaml")
      << "baseline: t\nos: [bookworm]\nsteps:\n  - daemontools: {}\n";
  auto r = testing::run(
      {"/usr/bin/unshare", "--net", BOOTSTRAP_BINARY, "--cache-dir", cache.path().string(), "check",
       (dir.path() / "b.yaml").string(), "--image", "host", "--no-record"},
      {"NO_COLOR=1"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("apt-get update could not fetch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(one of the image's own sources in /etc/apt/sources.list*)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("Unable to locate package"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAILED  0.0s"), std::string::npos) << r.out;
}

// Ctrl-C (or a CI runner's SIGTERM) during a check: the sandboxes are stopped, the command says
// what it was doing and exits 128+signal, and nothing is left: no process, no mount (TearDown),
// no scratch tree in the cache.
class CheckInterrupted : public CheckTest {
 protected:
  void expect_interrupted_cleanly(int signal, const std::string& name);
};

void CheckInterrupted::expect_interrupted_cleanly(int signal, const std::string& name) {
  std::ofstream(dir.path() / "b.yaml")
      << "baseline: t\nos: [bookworm]\nsteps:\n"
         "  - fslayout: {directories: [{path: /srv/x}]}\n  - sleeper: {}\n";
  auto sleeping = [] { return !testing::processes_running({"sleep", "6000"}).empty(); };
  auto r = bootstrap({"--cache-dir", cache.path().string(), "--plugin-dir",
                      std::string(BOOTSTRAP_FIXTURE_PLUGIN_DIR) + "/check", "check",
                      (dir.path() / "b.yaml").string(), "--image", "host", "--no-record"},
                     {}, "", {sleeping, signal});
  EXPECT_EQ(r.status, 128 + signal) << r.out << r.err;
  EXPECT_NE(r.err.find("interrupted by SIG" + name + " while host: run "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("applying sleeper (step 2): stopped "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("and removed their temporary trees"), std::string::npos) << r.err;
  EXPECT_FALSE(sleeping()) << "a process of the check outlived it";
  std::error_code ec;
  EXPECT_TRUE(!fs::exists(cache.path() / "tmp") || fs::is_empty(cache.path() / "tmp", ec))
      << "scratch trees left in " << (cache.path() / "tmp");
}

TEST_F(CheckInterrupted, SigintStopsTheSandboxesSaysWhatItStoppedAndLeavesNothing) {
  expect_interrupted_cleanly(SIGINT, "INT");
}

TEST_F(CheckInterrupted, SigtermDoesTheSame) { expect_interrupted_cleanly(SIGTERM, "TERM"); }

}  // namespace
}  // namespace bootstrap
