// A baseline's text, as a pull request could carry it, through everything `bootstrap validate`
// does: YAML parsing, the baseline's own shape, and every plugin's configure(). The only
// acceptable answer to bad input is a ConfigError (it carries file:line:col); any other
// exception, a crash, a leak or a hang is a finding. Files a baseline names are looked up beside
// baselines/dragoman.yaml, so the seeds' references resolve.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bootstrap/apply.hpp"
#include "bootstrap/baseline.hpp"
#include "bootstrap/plugin_host.hpp"

namespace {

bootstrap::PluginHost* g_plugins = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_plugins = new bootstrap::PluginHost({BOOTSTRAP_FUZZ_PLUGIN_DIR});
  g_plugins->load_all();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    bootstrap::Baseline baseline =
        bootstrap::parse_baseline(text, BOOTSTRAP_FUZZ_BASELINE_DIR "/fuzzed.yaml");
    bootstrap::ConfiguredBaseline configured = bootstrap::configure_baseline(baseline, *g_plugins);
    (void)configured;
  } catch (const bootstrap::ConfigError&) {
    // Refused, with file:line:col: what bad input must get.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not a ConfigError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
