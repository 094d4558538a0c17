// bootstrap as a user runs it: help, version, validate, plugins, apply --root.
#include <gtest/gtest.h>

#include <fstream>

#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using testing::bootstrap;

const std::string kDragoman = std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml";

TEST(Cli, HelpExplainsEveryCommand) {
  auto top = bootstrap({"--help"});
  EXPECT_EQ(top.status, 0);
  for (const char* cmd :
       {"validate", "plugins", "check", "records", "apply", "run", "shell", "image", "gc"}) {
    EXPECT_NE(top.out.find(cmd), std::string::npos) << cmd;
    auto help = bootstrap({cmd, "--help"});
    EXPECT_EQ(help.status, 0) << cmd;
    EXPECT_GT(help.out.size(), 100u) << cmd << ": " << help.out;
    auto help_first = bootstrap({"--help", cmd});
    EXPECT_EQ(help_first.status, 0) << "--help " << cmd << ": " << help_first.err;
    EXPECT_EQ(help_first.out, help.out) << "--help " << cmd;
  }
}

TEST(Cli, VersionAndUsageErrors) {
  auto v = bootstrap({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("bootstrap ", 0), 0u);
  EXPECT_EQ(bootstrap({}).status, 2);
  EXPECT_EQ(bootstrap({"frobnicate"}).status, 2);
  EXPECT_EQ(bootstrap({"--color", "purple", "plugins"}).status, 2);
}

// `bootstrap` handles run, shell, image and gc itself and hands the rest to bootstrap-engine,
// which lives beside it (or where it is installed). Without it, those commands say what is missing.
TEST(Cli, WithoutTheEngineTheOtherCommandsSayWhatIsMissing) {
  if (fs::exists(BOOTSTRAP_INSTALL_ENGINE))
    GTEST_SKIP() << "an installed engine would be found: " << BOOTSTRAP_INSTALL_ENGINE;
  char dir[] = "/tmp/bootstrap-cli-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  fs::path alone = fs::path(dir) / "bootstrap";
  fs::copy_file(BOOTSTRAP_BINARY, alone);
  auto check = testing::run({alone, "validate", kDragoman});
  auto help = testing::run({alone, "run", "--help"});
  fs::remove_all(dir);
  EXPECT_EQ(check.status, 3);
  EXPECT_NE(check.err.find("cannot start " + std::string(BOOTSTRAP_INSTALL_ENGINE)),
            std::string::npos)
      << check.err;
  EXPECT_NE(check.err.find("run, shell, image and gc"), std::string::npos) << check.err;
  EXPECT_EQ(help.status, 0) << help.err;  // the sandbox commands need no engine
}

// bootstrap finds the command word past the global options and their values: "--cache-dir run"
// names a directory, not the run command.
TEST(Cli, GlobalOptionsAndTheirValuesComeBeforeTheCommand) {
  if (fs::exists(BOOTSTRAP_INSTALL_ENGINE))
    GTEST_SKIP() << "an installed engine would be found: " << BOOTSTRAP_INSTALL_ENGINE;
  testing::TempDir dir;
  fs::path alone = dir.path() / "bootstrap";
  fs::copy_file(BOOTSTRAP_BINARY, alone);
  std::string cache = (dir.path() / "cache").string();
  auto gc = testing::run({alone, "-v", "--color", "never", "--cache-dir", cache, "gc"});
  EXPECT_EQ(gc.status, 0) << gc.err;  // handled without the engine
  auto gc_eq = testing::run({alone, "--cache-dir=" + cache, "-q", "gc", "--all-layers"});
  EXPECT_EQ(gc_eq.status, 0) << gc_eq.err;
  auto plugins = testing::run({alone, "--cache-dir", "run", "plugins"});
  EXPECT_EQ(plugins.status, 3) << "plugins is the engine's: " << plugins.err;
  EXPECT_NE(plugins.err.find("cannot start"), std::string::npos) << plugins.err;
}

TEST(Cli, ValidateAcceptsTheReferenceBaseline) {
  auto r = bootstrap({"validate", kDragoman});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ok (baseline 'dragoman'"), std::string::npos) << r.out;
}

TEST(Cli, PluginsListsNameVersionAbiAndFile) {
  auto r = bootstrap({"plugins"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("fslayout"), std::string::npos);
  EXPECT_NE(r.out.find("fslayout.so"), std::string::npos);
}

TEST(Cli, PluginsReportsUnusableFilesAndFails) {
  auto r = bootstrap(
      {"--plugin-dir", std::string(BOOTSTRAP_FIXTURE_PLUGIN_DIR) + "/wrong-abi", "plugins"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("plugin ABI 999"), std::string::npos) << r.err;
}

TEST(Cli, ApplyRefusesThisMachinesRootWithoutForReal) {
  auto r = bootstrap({"apply", kDragoman});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("refusing to apply to this machine's / without --for-real"),
            std::string::npos)
      << r.err;
}

TEST(Cli, ApplyToAScratchRootThenAgainChangesNothing) {
  testing::TempDir root;
  auto first =
      bootstrap({"apply", kDragoman, "--root", root.path().string(), "--only", "fslayout"});
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("created   /srv/apps"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("created   group apps"), std::string::npos) << first.out;
  EXPECT_TRUE(fs::is_directory(root.path() / "srv/apps/dragoman"));
  EXPECT_TRUE(fs::is_regular_file(root.path() / "etc/motd"));

  auto second =
      bootstrap({"apply", kDragoman, "--root", root.path().string(), "--only", "fslayout"});
  ASSERT_EQ(second.status, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("summary: 0 created, 0 modified, 0 removed (0 changes)"),
            std::string::npos)
      << second.out;
}

// A file beside the baseline is read; one elsewhere only when the baseline lists its folder
// under read_outside, and then the target gets exactly that file.
TEST(Cli, ABaselineReadsOutsideItsFolderOnlyWhereItSaysSo) {
  testing::TempDir dir, root, elsewhere;
  std::ofstream(elsewhere.path() / "motd") << "from elsewhere\n";
  std::string file = (elsewhere.path() / "motd").string();
  std::string steps = "steps:\n  - fslayout: {files: [{path: /etc/motd, source: " + file + "}]}\n";
  std::ofstream(dir.path() / "closed.yaml") << "baseline: x\nos: [bookworm]\n" << steps;
  std::ofstream(dir.path() / "open.yaml")
      << "baseline: x\nos: [bookworm]\nread_outside: [" << elsewhere.path().string() << "]\n"
      << steps;
  auto closed =
      bootstrap({"apply", (dir.path() / "closed.yaml").string(), "--root", root.path().string()});
  EXPECT_EQ(closed.status, 2) << closed.out << closed.err;
  EXPECT_NE(closed.err.find("outside the baseline's folder"), std::string::npos) << closed.err;
  EXPECT_FALSE(fs::exists(root.path() / "etc/motd"));
  auto open =
      bootstrap({"apply", (dir.path() / "open.yaml").string(), "--root", root.path().string()});
  ASSERT_EQ(open.status, 0) << open.out << open.err;
  std::ifstream in(root.path() / "etc/motd");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "from elsewhere\n");
}

TEST(Cli, ApplyPrintsAPlanLikeListWithASummary) {
  testing::TempDir root;
  fs::create_directories(root.path() / "etc/update-motd.d");
  std::ofstream(root.path() / "etc/update-motd.d/10-uname") << "#!/bin/sh\nuname -a\n";
  auto r = bootstrap({"apply", kDragoman, "--root", root.path().string(), "--only=fslayout"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("removed   /etc/update-motd.d/10-uname"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 1 removed"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\033["), std::string::npos) << "colour despite NO_COLOR";
}

TEST(Cli, AFailedApplyExits1AndSaysWhy) {
  testing::TempDir root;
  testing::TempDir dir;
  std::ofstream(dir.path() / "b.yaml")
      << "baseline: b\nos: [bookworm]\nsteps:\n"
         "  - fslayout: {directories: [{path: /srv/x, owner: nobody-here}]}\n";
  auto r = bootstrap({"apply", (dir.path() / "b.yaml").string(), "--root", root.path().string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("owner 'nobody-here' is not a user in the target's /etc/passwd"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace bootstrap

namespace bootstrap {
namespace {

TEST(Cli, PackageStepsOnANonDebianRootSayWhatToDoInstead) {
  testing::TempDir root;
  auto r = testing::bootstrap({"apply", kDragoman, "--root", root.path().string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("has no dpkg database (/var/lib/dpkg/status)"), std::string::npos) << r.out;
  EXPECT_TRUE(
      std::filesystem::is_directory(root.path() / "srv/apps"));  // the layout step still ran
}

}  // namespace
}  // namespace bootstrap
