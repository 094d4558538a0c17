// Linked into the sandbox suites that also run rootless (escape, leak): started by a user who
// is not root, the test binary enters that user's own user namespace before main, as bootstrap
// does at the start of a sandbox command (user_namespace.hpp), so the same tests run there.
// Root: nothing happens. Entering fails (no subordinate ids): the tests skip or fail as for a
// user without root, and this says why.
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "bootstrap/sandbox/user_namespace.hpp"

namespace {

const bool entered = [] {
  if (::geteuid() == 0) return false;
  try {
    bootstrap::sandbox::enter_user_namespace(bootstrap::sandbox::Mapping::Full);
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rootless: %s\n", e.what());
    return false;
  }
}();

}  // namespace
