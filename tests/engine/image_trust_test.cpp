// A Debian image restored from elsewhere (a CI cache of <cache>/images) is checked against the
// record made when it was first used: the same files pass, once; different files are built
// again. Uses the machine's debian:bookworm (built on first use); copies are hard links.
#include "bootstrap/image_trust.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "bootstrap/sandbox/images.hpp"
#include "support/must_run.hpp"

namespace fs = std::filesystem;
using namespace bootstrap;

namespace {

class ImageTrust : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();
    char tmpl[] = "/var/tmp/bootstrap-image-trust-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sandbox::ImageStore machine(sandbox::default_cache_root());
    original_ = machine.get("debian:bookworm", {}).root.parent_path();
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  // A cache holding a copy of the image (hard links: new folders, the same files), as a
  // restore would leave it; with `record`, the record copied along.
  fs::path restored(const std::string& name, const fs::path& from, const fs::path& record = {}) {
    fs::path cache = dir_ / name;
    fs::create_directories(cache / "images");
    std::string cp = "cp -al " + from.string() + " " + (cache / "images").string();
    EXPECT_EQ(system(cp.c_str()), 0);
    if (!record.empty()) fs::copy_file(record, cache / "images/debian-bookworm.verified");
    return cache;
  }
  // What trusted_image said, one line each.
  std::string use(const fs::path& cache, sandbox::Image* image = nullptr) {
    sandbox::ImageStore store(cache);
    std::string said;
    sandbox::Image got =
        trusted_image(store, "debian:bookworm", [&](const std::string& l) { said += l + "\n"; });
    if (image != nullptr) *image = got;
    return said;
  }
  fs::path dir_, original_;
};

TEST_F(ImageTrust, ARestoredImageWithTheSameFilesIsCheckedOnceAndUsed) {
  fs::path first = restored("first", original_);
  EXPECT_NE(use(first).find("checking the debian:bookworm image"), std::string::npos)
      << "no record yet: one is made";
  ASSERT_TRUE(fs::exists(first / "images/debian-bookworm.verified"));
  EXPECT_EQ(use(first), "") << "the same tree, the same stamp: nothing to check";

  fs::path again = restored("again", first / "images/debian-bookworm",
                            first / "images/debian-bookworm.verified");
  std::string said = use(again);
  EXPECT_NE(said.find("checking"), std::string::npos) << said;
  EXPECT_EQ(said.find("building"), std::string::npos) << said;
  EXPECT_EQ(use(again), "");
}

TEST_F(ImageTrust, ARestoredImageWhoseFilesDifferIsBuiltAgain) {
  fs::path first = restored("first", original_);
  use(first);
  fs::path changed = restored("changed", first / "images/debian-bookworm",
                              first / "images/debian-bookworm.verified");
  fs::path file = changed / "images/debian-bookworm/root/etc/debian_version";
  fs::remove(file);  // a new file, not the hard-linked one, so the machine's image stays as it is
  std::ofstream(file) << "99.0\n";

  sandbox::Image image;
  std::string said = use(changed, &image);
  EXPECT_NE(said.find("its files differ from its record): building it again"), std::string::npos)
      << said;
  std::ifstream in(image.root / "etc/debian_version");
  std::string version;
  in >> version;
  EXPECT_NE(version, "99.0");
  EXPECT_EQ(use(changed), "") << "the new build has its record";
}

}  // namespace
