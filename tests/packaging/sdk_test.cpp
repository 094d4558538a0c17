// The plugin SDK as a third party uses it: bootstrap installed under a prefix (the runtime and
// sdk components, as the two Debian packages hold them), plugins/example configured out of tree
// with find_package(bootstrap) and bootstrap_add_plugin(), built, loaded by the installed
// bootstrap, and its baseline checked on the host image; a bad key in its step is refused at
// file:line:col like any plugin's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/must_run.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;

TEST(PluginSdk, TheExampleBuildsOutOfTreeLoadsAndPassesACheck) {
  BOOTSTRAP_REQUIRE_ROOT();
  testing::TempDir dir;
  fs::path prefix = dir.path() / "prefix";
  for (const char* component : {"runtime", "sdk"}) {
    auto r = testing::run({"/usr/bin/cmake", "--install", BOOTSTRAP_BUILD_DIR, "--prefix",
                           prefix.string(), "--component", component});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  fs::path example = fs::path(BOOTSTRAP_SOURCE_DIR) / "plugins/example";
  fs::path build = dir.path() / "example-build";
  auto configure = testing::run({"/usr/bin/cmake", "-S", example.string(), "-B", build.string(),
                                 "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix.string()});
  ASSERT_EQ(configure.status, 0) << configure.out << configure.err;
  auto compile = testing::run({"/usr/bin/cmake", "--build", build.string()});
  ASSERT_EQ(compile.status, 0) << compile.out << compile.err;
  ASSERT_TRUE(fs::exists(build / "greeting.so"));

  std::string installed = (prefix / "bin/bootstrap").string();
  auto plugins = testing::run({installed, "--plugin-dir", build.string(), "plugins"});
  EXPECT_EQ(plugins.status, 0) << plugins.err;
  EXPECT_NE(plugins.out.find("greeting     1.0.0    5    " + (build / "greeting.so").string()),
            std::string::npos)
      << plugins.out;
  EXPECT_NE(plugins.out.find((prefix / "lib/bootstrap/plugins/fslayout.so").string()),
            std::string::npos)
      << "the installed bootstrap finds its own plugins under its prefix\n"
      << plugins.out;

  auto check = testing::run(
      {installed, "--plugin-dir", build.string(), "--cache-dir", (dir.path() / "cache").string(),
       "check", (example / "example.yaml").string(), "--image", "host", "--no-record"},
      {"NO_COLOR=1"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("1    greeting               1         1         0"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("4 passed, 0 failed"), std::string::npos) << check.out;

  std::ofstream(dir.path() / "bad.yaml")
      << "baseline: bad\nos: [bookworm]\nsteps:\n  - greeting: {to: operators, tow: x}\n";
  auto bad = testing::run(
      {installed, "--plugin-dir", build.string(), "validate", (dir.path() / "bad.yaml").string()});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("bad.yaml:4:31: unknown key 'tow' in greeting; did you mean 'to'?"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace bootstrap
