// The services model, with fixture plugins on the host image: what a step's apply leaves
// running is stopped and reported; services declared for checks run during the checks, and
// one that never becomes ready fails "verified" saying why; step requirements are validated.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <sstream>

#include "engine/check_fixture.hpp"

namespace bootstrap {
namespace {

class ServicesTest : public CheckTest {
 protected:
  void TearDown() override {
    CheckTest::TearDown();
    // Nothing a fixture started survives the check, on this machine.
    EXPECT_TRUE(testing::processes_running({"sleep", "600"}).empty())
        << "a fixture's daemon outlived the check";
    std::size_t left = 0;
    if (fs::exists(cache.path() / "tmp"))
      for (const auto& e : fs::directory_iterator(cache.path() / "tmp"))
        left += e.is_directory() ? 1 : 0;
    EXPECT_EQ(left, 0u) << "a check left scratch trees in " << (cache.path() / "tmp");
  }
  std::string all_messages(const nlohmann::json& verdict) {
    std::string all;
    for (const auto& m : verdict["messages"]) all += m.get<std::string>() + "\n";
    return all;
  }
};

TEST_F(ServicesTest, ADaemonLeftByApplyIsStoppedAndReportedAndRunsAgree) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - leaves_daemon: {}\n");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto rel = report()["releases"][0];
  EXPECT_TRUE(rel["verdicts"]["repeatable"]["passed"]);
  EXPECT_TRUE(rel["verdicts"]["verified"]["passed"]) << rel["verdicts"]["verified"];
  ASSERT_FALSE(rel["steps"][0]["notes"].empty()) << rel["steps"][0];
  std::string note = rel["steps"][0]["notes"][0];
  EXPECT_NE(note.find("step 1 leaves_daemon left 1 process running after apply (sleep, pid "),
            std::string::npos)
      << note;
  EXPECT_NE(note.find("it was stopped"), std::string::npos) << note;
  EXPECT_NE(r.out.find("note: step 1 leaves_daemon left 1 process"), std::string::npos) << r.out;
}

// A root with just enough to run `sh -c "sleep 600 &"` chrooted: the programs and their libraries.
void copy_program(const fs::path& root, const std::string& program) {
  fs::path real = fs::canonical(program);
  fs::create_directories(root / "bin");
  fs::copy_file(real, root / "bin" / fs::path(program).filename(),
                fs::copy_options::overwrite_existing);
  auto ldd = testing::run({"/usr/bin/ldd", real.string()});
  std::istringstream in(ldd.out);
  std::string word;
  while (in >> word) {
    if (word.empty() || word[0] != '/') continue;
    fs::create_directories(root / fs::path(word).parent_path().relative_path());
    fs::copy_file(fs::canonical(word), root / fs::path(word).relative_path(),
                  fs::copy_options::overwrite_existing);
  }
}

TEST_F(ServicesTest, ADaemonLeftByApplyRootIsStoppedToo) {
  testing::TempDir root;
  fs::create_directories(root.path() / "etc");
  copy_program(root.path(), "/bin/sh");
  copy_program(root.path(), "/bin/sleep");
  fs::create_directories(root.path() / "dev");  // sh gives a background job /dev/null as stdin
  ASSERT_EQ(::mknod((root.path() / "dev/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  std::ofstream(dir.path() / "b.yaml")
      << "baseline: t\nos: [bookworm]\nsteps:\n  - leaves_daemon: {}\n";
  auto r =
      bootstrap({"--plugin-dir", std::string(BOOTSTRAP_FIXTURE_PLUGIN_DIR) + "/check", "apply",
                 (dir.path() / "b.yaml").string(), "--root", root.path().string(), "--no-verify"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("left 1 process running after apply (sleep, pid"), std::string::npos)
      << r.out;
}

TEST_F(ServicesTest, ADeclaredServiceRunsDuringTheChecksAndIsStoppedAfter) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - with_service: {ready: file}\n");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto rel = report()["releases"][0];
  EXPECT_EQ(rel["services"], 1);
  EXPECT_GT(rel["services_seconds"].get<double>(), 0.15);  // the fixture needs 0.2 s to be ready
  EXPECT_NE(r.out.find("services for the checks: 1 started"), std::string::npos) << r.out;
}

TEST_F(ServicesTest, AServiceReadyByItsPortAnswersTheChecks) {
  auto r =
      check("baseline: t\nos: [bookworm]\nsteps:\n  - with_service: {ready: port, port: 18431}\n");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(testing::processes_running({"python3", "-m", "http.server"}).empty());
}

TEST_F(ServicesTest, AServiceThatNeverBecomesReadyFailsVerifiedWithArgvProbeTimeAndOutput) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - with_service: {ready: never}\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  auto v = report()["releases"][0]["verdicts"];
  EXPECT_TRUE(v["applied"]["passed"]);
  EXPECT_FALSE(v["verified"]["passed"]);
  std::string all = all_messages(v["verified"]);
  EXPECT_NE(all.find("service fixture-daemon of with_service (step 1) was not ready after 1.5 s"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("waited for: /run/with-service.ready exists"), std::string::npos) << all;
  EXPECT_NE(all.find("argv: sh -c"), std::string::npos) << all;
  EXPECT_NE(all.find("| fixture-daemon: waiting for a master that never answers"),
            std::string::npos)
      << all;
}

TEST_F(ServicesTest, AServiceThatExitsBeforeItIsReadyFailsVerifiedWithItsStatus) {
  auto r = check("baseline: t\nos: [bookworm]\nsteps:\n  - with_service: {ready: exits}\n");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  std::string all = all_messages(report()["releases"][0]["verdicts"]["verified"]);
  EXPECT_NE(all.find("service fixture-daemon of with_service (step 1) exited (exit status 3)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("| fixture-daemon: cannot open its socket"), std::string::npos) << all;
}

TEST(StepRequirements, ARequiredStepThatIsMissingOrLaterIsABaselineErrorAtTheStep) {
  testing::TempDir dir;
  std::string plugins = std::string(BOOTSTRAP_FIXTURE_PLUGIN_DIR) + "/check";
  std::ofstream(dir.path() / "missing.yaml")
      << "baseline: t\nos: [bookworm]\nsteps:\n  - needs_service: {}\n";
  auto r = bootstrap({"--plugin-dir", plugins, "validate", (dir.path() / "missing.yaml").string()});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(
      r.err.find(
          "missing.yaml:4:5: needs_service needs a with_service step earlier in the baseline; add "
          "'- with_service:' before this step"),
      std::string::npos)
      << r.err;

  std::ofstream(dir.path() / "later.yaml")
      << "baseline: t\nos: [bookworm]\nsteps:\n  - needs_service: {}\n  - with_service: {}\n";
  r = bootstrap({"--plugin-dir", plugins, "validate", (dir.path() / "later.yaml").string()});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("later.yaml:4:5: needs_service needs a with_service step earlier in the "
                       "baseline (step 2 comes "
                       "after it; move it before)"),
            std::string::npos)
      << r.err;

  std::ofstream(dir.path() / "good.yaml")
      << "baseline: t\nos: [bookworm]\nsteps:\n  - with_service: {}\n  - needs_service: {}\n";
  r = bootstrap({"--plugin-dir", plugins, "validate", (dir.path() / "good.yaml").string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

}  // namespace
}  // namespace bootstrap
