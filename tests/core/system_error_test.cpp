// A system error names the call and errno; a call too long to read keeps its start and end.
#include "bootstrap/system_error.hpp"

#include <gtest/gtest.h>

namespace bootstrap {
namespace {

TEST(SystemError, NamesTheCallAndErrno) {
  SystemError e("openat2(\"/srv\", RESOLVE_IN_ROOT)", ENOENT);
  EXPECT_STREQ(e.what(), "openat2(\"/srv\", RESOLVE_IN_ROOT): ENOENT (No such file or directory)");
}

TEST(SystemError, ALongCallKeepsItsStartAndEndAndSaysWhatWasLeftOut) {
  std::string lowers;
  for (int i = 0; i < 100; ++i)
    lowers += (i ? ":" : "") + std::string("/var/cache/bootstrap/layers/step-") + std::to_string(i);
  std::string call = "mount(\"overlay\", \"/tmp/root\", \"overlay\", \"lowerdir=" + lowers + "\")";
  std::string what = SystemError(call, EINVAL).what();
  EXPECT_LT(what.size(), 460u) << what;
  EXPECT_EQ(what.rfind("mount(\"overlay\", \"/tmp/root\", \"overlay\", \"lowerdir=", 0), 0u)
      << what;
  EXPECT_NE(what.find(" characters left out) ... "), std::string::npos) << what;
  EXPECT_NE(what.find("step-99\"): EINVAL (Invalid argument)"), std::string::npos) << what;
}

}  // namespace
}  // namespace bootstrap
