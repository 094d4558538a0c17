// Real images: built with mmdebstrap (once; reused across runs), then used.
// The cache is BOOTSTRAP_TEST_CACHE, or the default cache root.
#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "sandbox_support.hpp"
#include "support/must_run.hpp"

namespace fs = std::filesystem;
using namespace bootstrap::sandbox;
using namespace bootstrap::testing;

namespace {

fs::path test_cache() {
  const char* env = std::getenv("BOOTSTRAP_TEST_CACHE");
  return env != nullptr && *env != '\0' ? fs::path(env) : default_cache_root();
}

TEST(Images, UnknownNamesAreRefusedClearly) {
  ImageStore store(test_cache());
  try {
    store.get("debian:potato");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("debian:bookworm"), std::string::npos) << e.what();
  }
}

TEST(Images, HostIsTheLiveRoot) {
  Image host = ImageStore(test_cache()).get("host");
  EXPECT_EQ(host.root, "/");
  EXPECT_FALSE(host.release.empty());
  EXPECT_EQ(host.digest.rfind("xxh128:", 0), 0u);
  // Read a piece at a time since session 4; the value (part of check's layer keys) is as before:
  // the xxh128 of /etc/os-release and dpkg's status file, joined.
  std::string joined = read_text("/etc/os-release") + read_text("/var/lib/dpkg/status");
  XXH128_hash_t h = XXH3_128bits(joined.data(), joined.size());
  char hex[40];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  EXPECT_EQ(host.digest, std::string("xxh128:") + hex);
}

TEST(Images, BookwormIsBuiltOnceAndRunsCommands) {
  BOOTSTRAP_REQUIRE_ROOT();
  BOOTSTRAP_SKIP_UNLESS(system("command -v mmdebstrap >/dev/null") == 0, "needs mmdebstrap");
  ImageStore store(test_cache());
  Image img = store.get("debian:bookworm", [](const std::string& line) {
    std::fprintf(stderr, "  %s\n", line.c_str());
  });
  EXPECT_EQ(img.release, "bookworm");
  EXPECT_TRUE(fs::exists(img.root / "usr/bin/apt-get"));
  EXPECT_GT(img.size_bytes, 10u << 20);
  // Asked again: the same build.
  EXPECT_EQ(store.get("debian:bookworm").digest, img.digest);
  bool listed = false;
  for (const auto& i : store.list())
    listed = listed || (i.name == "debian:bookworm" && i.digest == img.digest);
  EXPECT_TRUE(listed);

  Spec spec;
  spec.lowers = {img.root};
  Result r =
      run_capture(spec,
                  "cat /etc/debian_version; . /etc/os-release; echo $VERSION_CODENAME; "
                  "dpkg -s dpkg >/dev/null && echo dpkg-ok; useradd -m alice && id -u alice; "
                  "python3 -c 1 2>/dev/null || echo no-python");
  EXPECT_EQ(r.status, 0) << r.data;
  EXPECT_EQ(r.data.substr(0, 3), "12.") << r.data;
  EXPECT_NE(r.data.find("bookworm\ndpkg-ok\n1000\n"), std::string::npos) << r.data;
}

TEST(Images, AptWorksInsideWithTheNetworkShared) {
  BOOTSTRAP_REQUIRE_ROOT();
  ImageStore store(test_cache());
  Image img = store.get("debian:bookworm");
  Spec spec;
  spec.lowers = {img.root};
  spec.share_network = true;
  Result r = run_capture(
      spec,
      "apt-get -qq update >/dev/null 2>&1 && apt-get -qq install -y --no-install-recommends "
      "python3-minimal >/dev/null 2>&1 && python3 -c 'print(6*7)'");
  if (r.status != 0 && !bootstrap::testing::tests_must_run())
    GTEST_SKIP() << "no network to the mirror? " << r.data;
  EXPECT_EQ(r.data, "42\n");
}

}  // namespace
