// A fresh /proc for the new pid namespace (nosuid,nodev,noexec) whose kernel knobs are
// read-only, a read-only /sys, and the tmpfs directories (/tmp 1777, /run).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

void write_file_in_root(int root, const std::string& path, const std::string& text) {
  UniqueFd fd = open_in_root(root, path, O_WRONLY);
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw SystemError("write(\"/" + path + "\", \"" + text + "\")", errno);
}

}  // namespace

void mount_proc_in_child(int root, int pids_limit) {
  UniqueFd target = fixed_mount_point_in_root(root, "proc");
  mount_at("proc", target.get(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "/proc");

  // The pids limit: pid_max of this pid namespace (per namespace since Linux 6.14; the kernel
  // refuses values below 301). Written before /proc/sys turns read-only, and nobody inside
  // keeps CAP_SYS_ADMIN to raise it again.
  if (pids_limit > 0 && kernel_has_per_namespace_pid_max()) {
    int value = pids_limit + 1 < 301 ? 301 : pids_limit + 1;
    write_file_in_root(root, "proc/sys/kernel/pid_max", std::to_string(value));
  }

  // Kernel knobs read-only (bubblewrap's list), each a read-only bind of itself.
  for (const char* knob : {"proc/sys", "proc/sysrq-trigger", "proc/irq", "proc/bus"}) {
    int fd = -1;
    try {
      UniqueFd f = open_in_root(root, knob, O_PATH);
      fd = f.release();
    } catch (const SystemError& e) {
      if (e.error_number() == ENOENT) continue;
      throw;
    }
    UniqueFd f(fd);
    bind_at(f.get(), f.get(), true, std::string("/") + knob);
  }
  // Nothing is masked: /proc/kcore needs CAP_SYS_RAWIO and /proc/keys shows only the caller's
  // keys (keyctl is denied anyway); every mount here costs start and teardown time.
}

void mount_sys_in_child(int root, bool own_network) {
  UniqueFd target = fixed_mount_point_in_root(root, "sys");
  if (own_network || !rootless()) {
    mount_at("sysfs", target.get(), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "",
             "/sys");
    return;
  }
  // A user namespace may mount sysfs only for a network namespace it owns; with the host's
  // network, the host's /sys is bound instead, read-only all the way down.
  UniqueFd tree(open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree) throw SystemError("open_tree(\"/sys\", OPEN_TREE_CLONE|AT_RECURSIVE)", errno);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
    throw SystemError("mount_setattr(\"/sys\", RDONLY|NOSUID|NODEV|NOEXEC, AT_RECURSIVE)", errno);
  if (move_mount(tree.get(), "", target.get(), "",
                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    throw SystemError("move_mount(\"/sys\")", errno);
}

void mount_tmpfs_dirs_in_child(int root) {
  UniqueFd tmp = fixed_mount_point_in_root(root, "tmp");
  mount_at("tmpfs", tmp.get(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", "/tmp");
  UniqueFd run = fixed_mount_point_in_root(root, "run");
  mount_at("tmpfs", run.get(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", "/run");
  UniqueFd r = open_in_root(root, "run", O_PATH | O_DIRECTORY);
  if (mkdirat(r.get(), "lock", 01777) != 0) throw SystemError("mkdirat(\"/run/lock\")", errno);
}

}  // namespace bootstrap::sandbox
