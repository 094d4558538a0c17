// How fast a manifest of an upper layer is built, and how fast ignore rules match, in process.
// The tree: 5,000 files and 120 MB (rootfs-like: mostly small files, a few large ones).
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bootstrap/manifest.hpp"

namespace {

namespace fs = std::filesystem;

class GeneratedTree {
 public:
  GeneratedTree() {
    std::string templ = "/tmp/bootstrap-manifest-bench-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    root_ = templ;
    std::string small(16 * 1024, '\0'), big(1 << 20, '\0');
    std::uint64_t x = 88172645463325252ull;  // xorshift: deterministic, incompressible
    auto fill = [&x](std::string& s) {
      for (auto& c : s) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        c = static_cast<char>(x);
      }
    };
    fill(small);
    fill(big);
    for (int i = 0; i < 5000; ++i) {
      fs::path dir = root_ / ("d" + std::to_string(i % 50)) / ("s" + std::to_string(i % 7));
      fs::create_directories(dir);
      std::ofstream out(dir / ("f" + std::to_string(i)), std::ios::binary);
      if (i % 100 == 0) {  // 50 files of 1 MB
        out << big << i;
      } else {  // 4,950 files of 0.3-14 KB (~70 MB together)
        out << std::string_view(small).substr(0, static_cast<std::size_t>(300 + (i * 2741) % 14000))
            << i;
      }
    }
  }
  ~GeneratedTree() { fs::remove_all(root_); }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

// Built once, then walked once so every benchmark sees warm page and dentry caches.
const GeneratedTree& tree() {
  static GeneratedTree t;
  static bool warm = (bootstrap::build_manifest(t.root()), true);
  (void)warm;
  return t;
}

void BM_BuildManifest(benchmark::State& state) {
  bootstrap::ManifestOptions options;
  options.threads = static_cast<int>(state.range(0));
  const auto& root = tree().root();  // generated outside the timed loop
  std::size_t n = 0;
  for (auto _ : state) {
    auto m = bootstrap::build_manifest(root, options);
    n = m.size();
    benchmark::DoNotOptimize(m);
  }
  state.counters["entries"] = static_cast<double>(n);
}
// Real time: the hashing threads' CPU is not counted in the CPU column.
BENCHMARK(BM_BuildManifest)->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ManifestDigest(benchmark::State& state) {
  auto m = bootstrap::build_manifest(tree().root());
  for (auto _ : state) benchmark::DoNotOptimize(m.digest());
}
BENCHMARK(BM_ManifestDigest)->Unit(benchmark::kMicrosecond);

// 100,000 rootfs-like paths against the builtin rules plus a baseline's few.
void BM_IgnoreRulesMatch(benchmark::State& state) {
  auto rules = bootstrap::IgnoreRules::builtin();
  rules.add(bootstrap::IgnoreRules({"/srv/app/cache/**", "*.swp", "/etc/ssl/certs/*.pem"}));
  std::vector<std::string> paths;
  const char* prefixes[] = {"/usr/lib/x86_64-linux-gnu/",
                            "/usr/share/doc/pkg/",
                            "/var/log/apt/",
                            "/etc/",
                            "/usr/lib/python3/dist-packages/m/__pycache__/",
                            "/var/lib/dpkg/info/",
                            "/usr/share/locale/de/LC_MESSAGES/"};
  for (int i = 0; i < 100000; ++i) {
    paths.push_back(std::string(prefixes[i % 7]) + "file" + std::to_string(i) +
                    (i % 11 == 0 ? ".pyc" : ".so"));
  }
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    for (const auto& p : paths) hits += rules.matches(p) ? 1 : 0;
    benchmark::DoNotOptimize(hits);
  }
  state.counters["paths"] = 100000;
  state.counters["ignored"] = static_cast<double>(hits);
}
BENCHMARK(BM_IgnoreRulesMatch)->Unit(benchmark::kMillisecond);

}  // namespace
