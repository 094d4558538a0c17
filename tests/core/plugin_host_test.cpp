// The loader: finds plugins, refuses what is not one, and keeps exceptions on the plugin's side.
#include "bootstrap/plugin_host.hpp"

#include <gtest/gtest.h>

#include "bootstrap/apply.hpp"
#include "bootstrap/root_host.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {

const std::filesystem::path kFixtures = BOOTSTRAP_FIXTURE_PLUGIN_DIR;

std::string load_error(const std::filesystem::path& file) {
  PluginHost host({});
  try {
    host.load_file(file);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PluginHost, LoadsTheRealPluginsWithNameVersionAndAbi) {
  PluginHost host({BOOTSTRAP_PLUGIN_DIR});
  host.load_all();
  ASSERT_TRUE(host.has("fslayout"));
  const LoadedPlugin& p = host.get("fslayout");
  EXPECT_EQ(p.abi, kPluginAbi);
  EXPECT_FALSE(p.version.empty());
  EXPECT_EQ(p.file.filename(), "fslayout.so");
  EXPECT_EQ(p.digest().rfind("xxh3-128:", 0), 0u);
  EXPECT_TRUE(host.broken().empty());
}

TEST(PluginHost, RefusesAWrongAbiBeforeCallingIt) {
  std::string e = load_error(kFixtures / "wrong-abi/wrong_abi.so");
  EXPECT_NE(e.find("plugin ABI 999, but this bootstrap speaks ABI " + std::to_string(kPluginAbi)),
            std::string::npos)
      << e;
}

TEST(PluginHost, RefusesAPluginBuiltWithAnotherStandardLibrarySayingWhatToRebuild) {
  std::string e = load_error(kFixtures / "wrong-toolchain/wrong_toolchain.so");
  EXPECT_NE(e.find("wrong_toolchain.so: plugin built with libc++, but this bootstrap with "
                   "libstdc++ cxx11-abi; "
                   "rebuild the plugin with the same standard library"),
            std::string::npos)
      << e;
}

TEST(PluginHost, SaysWhenALibraryIsNotAPlugin) {
  std::string e = load_error(kFixtures / "not-a-plugin/not_a_plugin.so");
  EXPECT_NE(e.find("not a bootstrap plugin"), std::string::npos) << e;
}

TEST(PluginHost, SaysWhenAFileIsNotALibrary) {
  std::string e = load_error(kFixtures / "corrupt/corrupt.so");
  EXPECT_NE(e.find("corrupt.so: cannot load"), std::string::npos) << e;
}

TEST(PluginHost, BrokenFilesInASearchFolderAreListedNotFatal) {
  PluginHost host({kFixtures / "corrupt", kFixtures / "wrong-abi", BOOTSTRAP_PLUGIN_DIR});
  host.load_all();
  EXPECT_TRUE(host.has("fslayout"));
  EXPECT_EQ(host.broken().size(), 2u);
}

TEST(PluginHost, TwoPluginsWithOneNameAreAnError) {
  PluginHost host({kFixtures / "duplicate"});
  host.load_all();
  EXPECT_FALSE(host.has("dup"));
  try {
    host.get("dup");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("two plugins named 'dup'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dup_a.so"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dup_b.so"), std::string::npos) << msg;
  }
}

TEST(PluginHost, AMissingPluginSaysWhereItLookedAndWhatExists) {
  PluginHost host({BOOTSTRAP_PLUGIN_DIR, "/nonexistent/plugins"});
  host.load_all();
  try {
    host.get("fslayot");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("unknown plugin 'fslayot'; did you mean 'fslayout'?"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("/nonexistent/plugins"), std::string::npos) << msg;
  }
}

TEST(PluginHost, SearchPathHonoursFlagsThenEnvironmentThenExecutableFolder) {
  setenv("BOOTSTRAP_PLUGIN_PATH", "/env/a:/env/b", 1);
  auto dirs = PluginHost::search_path({"/flag"});
  unsetenv("BOOTSTRAP_PLUGIN_PATH");
  ASSERT_GE(dirs.size(), 4u);
  EXPECT_EQ(dirs[0], "/flag");
  EXPECT_EQ(dirs[1], "/env/a");
  EXPECT_EQ(dirs[2], "/env/b");
  EXPECT_EQ(dirs[3].filename(), "plugins");
}

TEST(PluginHost, ExceptionsStayOnThePluginSideAndNameThePlugin) {
  PluginHost host({kFixtures / "thrower"});
  host.load_all();
  Baseline b = parse_baseline("baseline: t\nos: [bookworm]\nsteps:\n  - thrower: {}\n", "t.yaml");
  ConfiguredBaseline configured = configure_baseline(b, host);
  testing::TempDir root;
  RootHost target(root.path());
  ApplyReport report = apply_baseline(configured, target, true);
  ASSERT_EQ(report.steps.size(), 1u);
  ASSERT_TRUE(report.steps[0].error.has_value());
  EXPECT_EQ(*report.steps[0].error, "plugin thrower (step 1) failed to apply: apply exploded");
  // What it did before throwing is still reported.
  ASSERT_EQ(report.steps[0].changes.size(), 1u);
  EXPECT_EQ(report.steps[0].changes[0].what, "/half-done");
}

TEST(PluginHost, AConfigureExceptionBecomesAConfigErrorAtTheStep) {
  PluginHost host({kFixtures / "thrower"});
  host.load_all();
  Baseline b = parse_baseline(
      "baseline: t\nos: [bookworm]\nsteps:\n  - thrower: {fail_configure: 1}\n", "t.yaml");
  try {
    configure_baseline(b, host);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "t.yaml:4:5: thrower: configure exploded");
  }
}

}  // namespace
}  // namespace bootstrap
