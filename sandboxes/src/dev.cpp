// A minimal /dev: a tmpfs with null zero full random urandom tty, a private devpts instance,
// /dev/shm; then read-only, so device nodes can only exist where we made them (every other
// writable mount is nodev).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

// Rootless, the kernel refuses mknod: the host's own node is bound onto an empty file instead
// (its device, not a copy; the tmpfs under it is nodev as every mount of a user namespace is).
void bind_host_node_in_child(int dev, const char* name) {
  UniqueFd file(openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (!file) throw SystemError(std::string("openat(\"/dev/") + name + "\", O_CREAT)", errno);
  std::string host = std::string("/dev/") + name;
  UniqueFd node(open(host.c_str(), O_PATH | O_CLOEXEC));
  if (!node) throw SystemError("open(\"" + host + "\") (to bind into the sandbox)", errno);
  UniqueFd tree(open_tree(node.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
  if (!tree) throw SystemError("open_tree(\"" + host + "\", OPEN_TREE_CLONE)", errno);
  if (move_mount(tree.get(), "", file.get(), "",
                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    throw SystemError("move_mount(\"" + host + "\", \"/dev/" + name + "\")", errno);
}

}  // namespace

void mount_dev_in_child(int root) {
  UniqueFd target = fixed_mount_point_in_root(root, "dev");
  mount_at("tmpfs", target.get(), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1m", "/dev");
  UniqueFd dev = open_in_root(root, "dev", O_RDONLY | O_DIRECTORY);

  struct Node {
    const char* name;
    unsigned major, minor;
  };
  static constexpr Node kNodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                                    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const Node& n : kNodes) {
    if (rootless()) {
      bind_host_node_in_child(dev.get(), n.name);
      continue;
    }
    if (mknodat(dev.get(), n.name, S_IFCHR | 0666, makedev(n.major, n.minor)) != 0)
      throw SystemError(std::string("mknodat(\"/dev/") + n.name + "\")", errno);
  }
  struct Link {
    const char* name;
    const char* target;
  };
  static constexpr Link kLinks[] = {{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
                                    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
                                    {"ptmx", "pts/ptmx"},          {"core", "/proc/kcore"}};
  for (const Link& l : kLinks) {
    if (symlinkat(l.target, dev.get(), l.name) != 0)
      throw SystemError(std::string("symlinkat(\"/dev/") + l.name + "\")", errno);
  }
  if (mkdirat(dev.get(), "pts", 0755) != 0) throw SystemError("mkdirat(\"/dev/pts\")", errno);
  if (mkdirat(dev.get(), "shm", 01777) != 0) throw SystemError("mkdirat(\"/dev/shm\")", errno);

  UniqueFd pts = open_in_root(root, "dev/pts", O_PATH | O_DIRECTORY);
  mount_at("devpts", pts.get(), "devpts", MS_NOSUID | MS_NOEXEC,
           // gid 5 (tty) exists only where the subordinate ids are mapped
           caller_only_mapping() ? "newinstance,ptmxmode=0666,mode=0620"
                                 : "newinstance,ptmxmode=0666,mode=0620,gid=5",
           "/dev/pts");
  UniqueFd shm = open_in_root(root, "dev/shm", O_PATH | O_DIRECTORY);
  mount_at("tmpfs", shm.get(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777", "/dev/shm");

  UniqueFd again = open_in_root(root, "dev", O_PATH | O_DIRECTORY);
  remount_read_only(again.get(), MS_NOSUID | MS_NOEXEC, "/dev");
}

}  // namespace bootstrap::sandbox
