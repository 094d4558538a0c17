// The pieces of rootless entry that read the machine's files: /etc/subuid ranges, and the
// kernel knobs that say why a user namespace is refused.
#include "bootstrap/sandbox/user_namespace.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace bootstrap::sandbox;

namespace {

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bootstrap-userns-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

TEST_F(Files, TheUsersFirstRangeByNameOrUid) {
  fs::path subuid = write("subuid", "alice:100000:65536\nbob:165536:65536\nbob:300000:10\n");
  auto bob = subordinate_range(subuid, "bob", 1002);
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->first, 165536u);
  EXPECT_EQ(bob->count, 65536u);
  fs::path by_uid = write("by_uid", "1003:400000:65536\n");
  auto carol = subordinate_range(by_uid, "carol", 1003);
  ASSERT_TRUE(carol);
  EXPECT_EQ(carol->first, 400000u);
}

TEST_F(Files, NoLineABrokenLineOrNoFileIsNoRange) {
  fs::path subuid = write("subuid", "alice:100000:65536\ndave:lots:65536\ndave:1:0\n# dave\n");
  EXPECT_FALSE(subordinate_range(subuid, "dave", 1004));
  EXPECT_FALSE(subordinate_range(subuid, "erin", 1005));
  EXPECT_FALSE(subordinate_range(dir_ / "missing", "alice", 1001));
}

TEST_F(Files, EachKnobThatForbidsUserNamespacesIsNamedWithItsFix) {
  EXPECT_EQ(why_user_namespaces_are_refused(dir_), "") << "nothing there says no";
  write("user/max_user_namespaces", "15000\n");
  write("kernel/apparmor_restrict_unprivileged_userns", "1\n");
  std::string apparmor = why_user_namespaces_are_refused(dir_);
  EXPECT_NE(apparmor.find("kernel.apparmor_restrict_unprivileged_userns = 1"), std::string::npos)
      << apparmor;
  write("kernel/unprivileged_userns_clone", "0\n");
  std::string debian = why_user_namespaces_are_refused(dir_);
  EXPECT_NE(debian.find("sysctl -w kernel.unprivileged_userns_clone=1"), std::string::npos)
      << debian;
  write("user/max_user_namespaces", "0\n");
  EXPECT_NE(why_user_namespaces_are_refused(dir_).find("user.max_user_namespaces = 0"),
            std::string::npos);
}

TEST(UserNamespace, ThisMachinesKnobsAllowThem) {
  // The sandboxes' own tests need them; a machine that refuses them says so here first.
  EXPECT_EQ(why_user_namespaces_are_refused(), "");
}

}  // namespace
