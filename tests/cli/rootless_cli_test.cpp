// bootstrap run by a user with no subordinate ids (nobody): what still works with the user
// alone mapped, and the one-line refusal, exit 3, where a Debian image needs more ids.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/must_run.hpp"
#include "support/run.hpp"

namespace fs = std::filesystem;
using namespace bootstrap::testing;

namespace {

// argv run as nobody:nogroup, with no supplementary groups.
Ran as_nobody(std::vector<std::string> argv) {
  std::vector<std::string> full = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                   "--clear-groups"};
  full.insert(full.end(), argv.begin(), argv.end());
  return run(full, {"HOME=/tmp/bootstrap-rootless-nobody-home"}, "/tmp");
}

std::string baseline() { return std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml"; }

class AsNobody : public ::testing::Test {
 protected:
  void SetUp() override {
    BOOTSTRAP_REQUIRE_ROOT();  // to become nobody
    fs::remove_all("/tmp/bootstrap-rootless-nobody-home");
  }
  void TearDown() override { fs::remove_all("/tmp/bootstrap-rootless-nobody-home"); }
};

TEST_F(AsNobody, ACheckIsRefusedInOneLineNamingTheMissingSubuidLineAndTheFix) {
  Ran r = as_nobody({BOOTSTRAP_BINARY, "check", baseline(), "--os", "bookworm"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("user nobody has no subordinate ids"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'nobody:FIRST:65536'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usermod --add-subuids "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists("/tmp/bootstrap-rootless-nobody-home/.cache")) << "nothing was made";
}

TEST_F(AsNobody, TheHostImageRunsWithTheUserAloneMapped) {
  Ran r = as_nobody({BOOTSTRAP_BINARY, "run", "host", "--", "sh", "-c",
                     "id -u; cat /etc/hostname; touch /etc/bootstrap-rootless 2>&1"});
  EXPECT_EQ(r.status, 1) << r.err;  // touch fails: the host is read-only
  EXPECT_NE(r.out.find("0\nbootstrap\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists("/etc/bootstrap-rootless"));
}

TEST_F(AsNobody, ApplyForRealAndRollbackAreForRootOnly) {
  Ran apply = as_nobody({BOOTSTRAP_BINARY, "apply", baseline(), "--for-real"});
  EXPECT_EQ(apply.status, 3) << apply.err;
  EXPECT_NE(apply.err.find("must run as root"), std::string::npos) << apply.err;
  Ran rollback = as_nobody({BOOTSTRAP_BINARY, "rollback"});
  EXPECT_EQ(rollback.status, 3) << rollback.err;
}

}  // namespace
