// The layer cache: layers unused for a while are pruned; a layer in use, or being made, never.
#include "bootstrap/layer_cache.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr auto kFortnight = std::chrono::seconds(14 * 86400);

class LayerCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bootstrap-test-layers-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    cache_ = tmpl;
  }
  void TearDown() override { fs::remove_all(cache_); }

  // A complete layer of `bytes` bytes, last used `age` ago.
  CachedLayer make_layer(const std::string& name, std::chrono::seconds age,
                         std::size_t bytes = 1000) {
    CachedLayer layer = cached_layer(cache_, name);
    fs::create_directories(layer.tree() / "etc");
    std::ofstream(layer.tree() / "etc/data") << std::string(bytes, 'x');
    std::ofstream(layer.dir / "manifest.json") << "{}";
    std::ofstream(layer.dir / "outcome.json") << "{}";
    set_age(layer, age);
    return layer;
  }
  static void set_age(const CachedLayer& layer, std::chrono::seconds age) {
    fs::last_write_time(layer.dir, fs::file_time_type::clock::now() - age);
  }
  static std::vector<std::string> names(const std::vector<PrunedLayer>& pruned) {
    std::vector<std::string> out;
    for (const auto& p : pruned) out.push_back(p.dir.filename().string());
    return out;
  }

  fs::path cache_;
};

TEST_F(LayerCacheTest, RunBsLayersAndSquashedPrefixesArePrunedToo) {
  CachedLayer b = make_layer("b-old", 20 * 24h);
  CachedLayer squash = make_layer("squash-old", 20 * 24h);
  CachedLayer recent = make_layer("b-recent", 2 * 24h);

  auto pruned = names(prune_layers(cache_, kFortnight));

  std::sort(pruned.begin(), pruned.end());
  EXPECT_EQ(pruned, (std::vector<std::string>{"b-old", "squash-old"}));
  EXPECT_FALSE(fs::exists(b.dir));
  EXPECT_FALSE(fs::exists(squash.dir));
  EXPECT_TRUE(recent.complete());
}

TEST_F(LayerCacheTest, PrunesOnlyLayersUnusedForLongerThanTheLimit) {
  CachedLayer old_step = make_layer("step-old", 20 * 24h, 4096);
  CachedLayer old_fetch = make_layer("fetch-old", 15 * 24h);
  CachedLayer recent = make_layer("step-recent", 2 * 24h);
  { LayerMakeLock touch_lock_files(old_step); }

  auto pruned = prune_layers(cache_, kFortnight);

  EXPECT_EQ(names(pruned).size(), 2u);
  EXPECT_FALSE(fs::exists(old_step.dir));
  EXPECT_FALSE(fs::exists(old_fetch.dir));
  EXPECT_FALSE(fs::exists(cache_ / "layers/step-old.lock")) << "lock files go with their layer";
  EXPECT_TRUE(recent.complete());
  std::uint64_t bytes = 0;
  for (const auto& p : pruned) bytes += p.bytes;
  EXPECT_GE(bytes, 4096u + 1000u);
}

TEST_F(LayerCacheTest, NeverRemovesALayerThatIsInUse) {
  CachedLayer layer = make_layer("step-a", 30 * 24h);
  {
    LayersInUse in_use;
    in_use.hold(layer);
    set_age(layer, 30 * 24h);  // as if the check had been running for a month
    EXPECT_TRUE(prune_layers(cache_, kFortnight).empty());
    EXPECT_TRUE(prune_layers(cache_, 0s).empty()) << "not even with --all-layers";
    EXPECT_TRUE(layer.complete());
  }
  EXPECT_EQ(names(prune_layers(cache_, kFortnight)), std::vector<std::string>{"step-a"});
  EXPECT_FALSE(fs::exists(layer.dir));
}

TEST_F(LayerCacheTest, NeverRemovesALayerBeingMade) {
  CachedLayer layer = make_layer("step-a", 30 * 24h);
  fs::create_directories(cache_ / "layers/.tmp-step-a-4242/tree");
  {
    LayerMakeLock making(layer);
    EXPECT_TRUE(prune_layers(cache_, 0s).empty());
    EXPECT_TRUE(layer.complete());
    EXPECT_TRUE(fs::exists(cache_ / "layers/.tmp-step-a-4242"));
  }
  // Its maker gone: the half-stored copy and the stale layer both go.
  auto pruned = names(prune_layers(cache_, kFortnight));
  EXPECT_EQ(pruned.size(), 2u);
  EXPECT_FALSE(fs::exists(cache_ / "layers/.tmp-step-a-4242"));
}

TEST_F(LayerCacheTest, UsingALayerMakesItRecent) {
  CachedLayer layer = make_layer("step-a", 30 * 24h);
  {
    LayersInUse in_use;
    in_use.hold(layer);
  }
  EXPECT_TRUE(prune_layers(cache_, kFortnight).empty());
  EXPECT_TRUE(layer.complete());
}

TEST_F(LayerCacheTest, StoreThenReplaceWaitsForNoOne) {
  fs::path upper = cache_ / "scratch/upper";
  fs::create_directories(upper / "srv");
  std::ofstream(upper / "srv/file") << "hello";
  CachedLayer layer = cached_layer(cache_, "step-b");
  {
    LayerMakeLock lock(layer);
    store_layer(upper, layer, Manifest(), nlohmann::json::object());
  }
  EXPECT_TRUE(layer.complete());
  EXPECT_TRUE(fs::exists(layer.tree() / "srv/file"));
  EXPECT_TRUE(fs::is_directory(upper)) << "the scratch keeps its shape";
  LayerMakeLock lock(layer);
  remove_layer(layer);
  EXPECT_FALSE(fs::exists(layer.dir));
}

TEST_F(LayerCacheTest, GcCommandRemovesOldLayersAndSaysHowMuch) {
  make_layer("step-old", 40 * 24h, 2'000'000);
  CachedLayer recent = make_layer("step-recent", 1 * 24h);
  auto r = testing::bootstrap({"--cache-dir", cache_.string(), "gc", "--layers-unused-for", "30"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("step-old"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("step-recent"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 of them layers (2.0 MB)"), std::string::npos) << r.err;
  auto all = testing::bootstrap({"--cache-dir", cache_.string(), "gc", "--all-layers"});
  EXPECT_EQ(all.status, 0) << all.err;
  EXPECT_FALSE(fs::exists(recent.dir));
}

// A layer restored from elsewhere (a CI cache: new inodes) is compared once with its manifest;
// a tree that no longer matches it is not used.
TEST_F(LayerCacheTest, ARestoredLayerIsTrustedOnlyWhileItsTreeMatchesItsManifest) {
  fs::path upper = cache_ / "upper";
  fs::create_directories(upper / "etc");
  std::ofstream(upper / "etc/motd") << "hello\n";
  CachedLayer layer = cached_layer(cache_, "step-stored");
  store_layer(upper, layer, build_manifest(upper), nlohmann::json::object());
  std::string why;
  EXPECT_TRUE(layer_trusted(layer, &why)) << why;

  // Restored: a copy has new inodes, so its stamp is stale and its tree is compared.
  CachedLayer restored = cached_layer(cache_, "step-restored");
  ASSERT_EQ(testing::run({"/bin/cp", "-a", layer.dir.string(), restored.dir.string()}).status, 0);
  EXPECT_TRUE(layer_trusted(restored, &why)) << why;
  EXPECT_TRUE(layer_trusted(restored, &why)) << "stamped once checked";

  CachedLayer truncated = cached_layer(cache_, "step-truncated");
  ASSERT_EQ(testing::run({"/bin/cp", "-a", layer.dir.string(), truncated.dir.string()}).status, 0);
  std::ofstream(truncated.tree() / "etc/motd", std::ios::trunc) << "hel";
  why.clear();
  EXPECT_FALSE(layer_trusted(truncated, &why));
  EXPECT_EQ(why, "its tree does not match its manifest (2 paths against 2 recorded)");

  CachedLayer garbled = cached_layer(cache_, "step-garbled");
  ASSERT_EQ(testing::run({"/bin/cp", "-a", layer.dir.string(), garbled.dir.string()}).status, 0);
  std::ofstream(garbled.dir / "manifest.json", std::ios::trunc) << "{\"schema_version\": 1";
  why.clear();
  EXPECT_FALSE(layer_trusted(garbled, &why));
  EXPECT_EQ(why.rfind("it cannot be read back: ", 0), 0u) << why;
}

}  // namespace
}  // namespace bootstrap
