// How long parsing + validating a baseline and loading all plugins take, in process.
#include <benchmark/benchmark.h>

#include "bootstrap/apply.hpp"
#include "bootstrap/baseline.hpp"
#include "bootstrap/plugin_host.hpp"

namespace {

const char* kDragoman = BOOTSTRAP_SOURCE_DIR "/baselines/dragoman.yaml";

void BM_ParseBaseline(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(bootstrap::load_baseline(kDragoman));
}
BENCHMARK(BM_ParseBaseline)->Unit(benchmark::kMicrosecond);

void BM_LoadAllPlugins(benchmark::State& state) {
  for (auto _ : state) {
    bootstrap::PluginHost host({BOOTSTRAP_PLUGIN_DIR});
    host.load_all();
    benchmark::DoNotOptimize(host.names());
  }
}
BENCHMARK(BM_LoadAllPlugins)->Unit(benchmark::kMicrosecond);

void BM_ParseAndValidate(benchmark::State& state) {
  bootstrap::PluginHost host({BOOTSTRAP_PLUGIN_DIR});
  host.load_all();
  for (auto _ : state) {
    auto b = bootstrap::load_baseline(kDragoman);
    benchmark::DoNotOptimize(bootstrap::configure_baseline(b, host));
  }
}
BENCHMARK(BM_ParseAndValidate)->Unit(benchmark::kMicrosecond);

}  // namespace
