// A plugin's step configured through the real loader (the built plugins), from the text of a
// baseline's steps: what it accepts, the error it gives, and what it asks to fetch.
#pragma once

#include <gtest/gtest.h>

#include "bootstrap/apply.hpp"
#include "support/run.hpp"

namespace bootstrap {

class StepConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { plugins.load_all(); }

  ConfiguredBaseline configure(const std::string& steps) {
    Baseline b = parse_baseline("baseline: t\nos: [bookworm]\nsteps:\n" + steps,
                                (dir.path() / "t.yaml").string());
    b.file = dir.path() / "t.yaml";
    return configure_baseline(b, plugins);
  }
  std::string error_of(const std::string& steps) {
    try {
      configure(steps);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(accepted)";
  }
  Fetch fetch_of(const std::string& steps) {
    ConfiguredBaseline c = configure(steps);
    Fetch f;
    EXPECT_FALSE(c.steps[0].instance.port().fetch(f));
    return f;
  }

  PluginHost plugins{{BOOTSTRAP_PLUGIN_DIR}};
  testing::TempDir dir;
};

}  // namespace bootstrap
