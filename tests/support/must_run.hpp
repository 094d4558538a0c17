// Tests that need root or a kernel feature skip with the reason, unless the environment
// says they must run (CI sets BOOTSTRAP_TESTS_MUST_RUN=1): then a skip is a failure, so a
// green CI proves they ran.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace bootstrap::testing {

inline bool tests_must_run() {
  const char* v = std::getenv("BOOTSTRAP_TESTS_MUST_RUN");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace bootstrap::testing

#define BOOTSTRAP_SKIP_UNLESS(condition, reason)                                          \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      if (::bootstrap::testing::tests_must_run()) {                                       \
        FAIL() << "cannot run (BOOTSTRAP_TESTS_MUST_RUN=1 forbids skipping): " << reason; \
      } else {                                                                            \
        GTEST_SKIP() << reason;                                                           \
      }                                                                                   \
    }                                                                                     \
  } while (0)

#define BOOTSTRAP_REQUIRE_ROOT() \
  BOOTSTRAP_SKIP_UNLESS(::geteuid() == 0, "needs root (CAP_SYS_ADMIN) to create namespaces")
