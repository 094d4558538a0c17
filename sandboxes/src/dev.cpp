// A minimal /dev: a tmpfs with null zero full random urandom tty, a private devpts instance,
// /dev/shm; then read-only, so device nodes can only exist where we made them (every other
// writable mount is nodev).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

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
           "newinstance,ptmxmode=0666,mode=0620,gid=5", "/dev/pts");
  UniqueFd shm = open_in_root(root, "dev/shm", O_PATH | O_DIRECTORY);
  mount_at("tmpfs", shm.get(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777", "/dev/shm");

  UniqueFd again = open_in_root(root, "dev", O_PATH | O_DIRECTORY);
  remount_read_only(again.get(), MS_NOSUID | MS_NOEXEC, "/dev");
}

}  // namespace bootstrap::sandbox
