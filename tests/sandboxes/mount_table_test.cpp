// Reading /proc/self/mountinfo: the fields a submount is known by, escapes decoded.
#include "bootstrap/sandbox/mount_table.hpp"

#include <gtest/gtest.h>

namespace {
using namespace bootstrap::sandbox;

TEST(MountTable, ReadsTheMountPointTypeAndSourceOfALine) {
  auto m = parse_mountinfo_line(
      "36 27 8:17 / /srv/my\\040data rw,relatime shared:1 master:2 - ext4 /dev/sdb1 rw");
  EXPECT_EQ(m.mount_point, "/srv/my data");
  EXPECT_EQ(m.fstype, "ext4");
  EXPECT_EQ(m.source, "/dev/sdb1");
}

TEST(MountTable, ALineItCannotReadGivesNothing) {
  EXPECT_EQ(parse_mountinfo_line("36 27 8:17 / /srv rw").mount_point, "");
  EXPECT_EQ(parse_mountinfo_line("").mount_point, "");
}

TEST(MountTable, TheRootItselfAndWhatSandboxesMountThemselvesAreLeftOut) {
  for (const MountPoint& m : mounts_under("/")) {
    EXPECT_NE(m.path, "/");
    for (const char* own : {"/proc", "/sys", "/dev", "/run", "/tmp"})
      EXPECT_FALSE(m.path == own || m.path.starts_with(std::string(own) + "/")) << m.describe();
    EXPECT_NE(m.fstype, "cgroup") << m.describe();
  }
}

}  // namespace
