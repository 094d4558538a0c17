// Mount helpers for the child. Targets are always fds resolved inside the new root and handed
// to mount(2) as /proc/self/fd/N, so no path is looked up twice.
#include <fcntl.h>
#include <sys/mount.h>

#include <cerrno>
#include <string>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

void make_root_private_in_child() {
  // First thing in the new mount namespace: nothing we mount may propagate to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throw SystemError("mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE)", errno);
}

void mount_at(const char* source, int target_fd, const char* fstype, unsigned long flags,
              const std::string& data, const std::string& what) {
  std::string target = fd_path(target_fd);
  if (mount(source, target.c_str(), fstype, flags, data.empty() ? nullptr : data.c_str()) != 0)
    throw SystemError(std::string("mount(\"") + (source ? source : "") + "\", \"" + what +
                          "\", \"" + (fstype ? fstype : "") + "\", \"" + data + "\")",
                      errno);
}

void bind_at(int source_fd, int target_fd, bool read_only, const std::string& what) {
  // Clone the source, set its flags while it is still detached, then attach it: no window in
  // which the bind is writable, and no path is looked up again.
  UniqueFd tree(open_tree(source_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
  if (!tree) throw SystemError("open_tree(\"" + what + "\", OPEN_TREE_CLONE)", errno);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (read_only ? MOUNT_ATTR_RDONLY : 0);
  if (mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    throw SystemError(
        "mount_setattr(\"" + what + "\", NOSUID|NODEV" + (read_only ? "|RDONLY" : "") + ")", errno);
  if (move_mount(tree.get(), "", target_fd, "",
                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    throw SystemError("move_mount(\"" + what + "\")", errno);
}

void remount_read_only(int target_fd, unsigned long keep_flags, const std::string& what) {
  std::string target = fd_path(target_fd);
  if (mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | keep_flags,
            nullptr) != 0)
    throw SystemError("mount(NULL, \"" + what + "\", MS_REMOUNT|MS_BIND|MS_RDONLY)", errno);
}

}  // namespace bootstrap::sandbox
