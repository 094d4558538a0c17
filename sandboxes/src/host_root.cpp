// Rootless, the host image is the host's root bound read-only, not an overlay: the kernel lets a
// user namespace clone a mount for overlayfs only when nothing is mounted under it that the
// namespace may not reveal (has_locked_children), and / always has /proc, /dev, /sys... under
// it. A recursive bind is allowed, so the sandbox sees every filesystem of the host, read-only
// all the way down, as a sandbox of root sees it through its overlay; what a command writes
// outside /tmp, /run and /dev/shm fails with EROFS. The sandbox files (resolv.conf, hostname,
// policy-rc.d) are bound over the host's where the host has them.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

void bind_host_root_in_child(const std::string& at, int files_dir,
                             const std::vector<SandboxFile>& files) {
  UniqueFd mountpoint(open(at.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!mountpoint) throw SystemError("open(\"" + at + "\")", errno);
  UniqueFd tree(open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree) throw SystemError("open_tree(\"/\", OPEN_TREE_CLONE|AT_RECURSIVE)", errno);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV;
  if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    throw SystemError("mount_setattr(\"/\", RDONLY|NODEV, AT_RECURSIVE)", errno);
  if (move_mount(tree.get(), "", mountpoint.get(), "",
                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    throw SystemError("move_mount(\"/\", the sandbox root)", errno);
  // By path again: the descriptor above is the directory under the new mount.
  UniqueFd root(open(at.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw SystemError("open(\"" + at + "\")", errno);
  for (const SandboxFile& f : files) {
    int source = openat(files_dir, f.path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (source < 0) continue;  // left out of the layer: its parent is not a plain directory
    UniqueFd from(source);
    UniqueFd to;
    try {
      to = open_beneath(root.get(), f.path, O_PATH);
    } catch (const SystemError&) {
      continue;  // the host has none there, or a symlink (resolv.conf often is)
    }
    bind_at(from.get(), to.get(), true, "/" + f.path);
  }
}

}  // namespace bootstrap::sandbox
