// How the pids limit is enforced. RLIMIT_NPROC does not bind root, and this kind of host often
// has no writable cgroup v2 pids controller; since Linux 6.14 pid_max is per pid namespace, so
// the sandbox's pid 1 sets it in its own namespace (see proc.cpp): no host state, nothing to
// clean up after a crash. On older kernels the limit is not enforced (documented).
#include <sys/utsname.h>

#include <cstdio>

#include "steps.hpp"

namespace bootstrap::sandbox {

bool kernel_has_per_namespace_pid_max() {
  static const bool has = [] {
    utsname u{};
    if (uname(&u) != 0) return false;
    int major = 0, minor = 0;
    if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
    return major > 6 || (major == 6 && minor >= 14);
  }();
  return has;
}

}  // namespace bootstrap::sandbox
