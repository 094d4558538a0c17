// pivot_root into the new root and detach the old one: afterwards no path leads back out.
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

void pivot_into_in_child(int root) {
  if (fchdir(root) != 0) throw SystemError("fchdir(new root)", errno);
  // pivot_root(".", ".") stacks the old root under the new one; detaching "." then drops it
  // (no directory for the old root has to exist in the image).
  if (syscall(SYS_pivot_root, ".", ".") != 0) throw SystemError("pivot_root(\".\", \".\")", errno);
  if (umount2(".", MNT_DETACH) != 0) throw SystemError("umount2(old root, MNT_DETACH)", errno);
  if (chdir("/") != 0) throw SystemError("chdir(\"/\")", errno);
}

}  // namespace bootstrap::sandbox
