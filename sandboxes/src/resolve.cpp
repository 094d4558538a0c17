// Every path the setup writes inside a root is resolved inside that root: a layer may plant
// "/etc/resolv.conf -> /etc/shadow-of-the-host", and openat2(RESOLVE_IN_ROOT) keeps it inside.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "bootstrap/openat2.hpp"
#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

int openat2_raw(int dir, const std::string& path, int flags, mode_t mode,
                unsigned long long resolve) {
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
  how.resolve = resolve;
  return openat2_retrying(dir, path.c_str(), how);
}

std::string relative(const std::string& path) {
  std::size_t i = path.find_first_not_of('/');
  return i == std::string::npos ? "." : path.substr(i);
}

}  // namespace

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

UniqueFd open_in_root(int root, const std::string& path, int flags, mode_t mode) {
  int fd = openat2_raw(root, relative(path), flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd < 0) throw SystemError("openat2(root, \"" + path + "\", RESOLVE_IN_ROOT)", errno);
  return UniqueFd(fd);
}

UniqueFd open_beneath(int dir, const std::string& path, int flags) {
  int fd = openat2_raw(dir, relative(path), flags, 0,
                       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  if (fd < 0)
    throw SystemError("openat2(dir, \"" + path + "\", RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)", errno);
  return UniqueFd(fd);
}

UniqueFd make_dirs_in_root(int root, const std::string& path, mode_t mode) {
  UniqueFd dir(fcntl(root, F_DUPFD_CLOEXEC, 0));
  std::string rel = relative(path);
  std::size_t start = 0;
  while (start < rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string name = rel.substr(start, end - start);
    start = end + 1;
    if (name.empty() || name == ".") continue;
    std::string sofar = rel.substr(0, end);
    // Resolve the prefix inside the root each time: a symlinked component stays inside.
    int fd =
        openat2_raw(root, sofar, O_PATH | O_DIRECTORY, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0 && errno == ENOENT) {
      if (mkdirat(dir.get(), name.c_str(), mode) != 0 && errno != EEXIST)
        throw SystemError("mkdirat(\"" + sofar + "\")", errno);
      fd = openat2_raw(root, sofar, O_PATH | O_DIRECTORY, 0,
                       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    }
    if (fd < 0) throw SystemError("openat2(root, \"" + sofar + "\", RESOLVE_IN_ROOT)", errno);
    dir.reset(fd);
  }
  return dir;
}

UniqueFd fixed_mount_point_in_root(int root, const std::string& path) {
  int fd = openat2_raw(root, relative(path), O_PATH | O_DIRECTORY, 0,
                       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  if (fd >= 0) return UniqueFd(fd);
  if (errno == ELOOP || errno == ENOTDIR)
    throw SystemError("openat2(root, \"" + path +
                          "\", RESOLVE_NO_SYMLINKS) (the image has a symlink or a file where /" +
                          relative(path) + " must be a directory)",
                      errno);
  if (errno != ENOENT)
    throw SystemError("openat2(root, \"" + path + "\", RESOLVE_NO_SYMLINKS)", errno);
  return make_dirs_in_root(root, path, 0755);
}

UniqueFd mount_target_in_root(int root, const std::string& path, bool file) {
  int fd = openat2_raw(root, relative(path), O_PATH | (file ? 0 : O_DIRECTORY), 0,
                       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd >= 0) return UniqueFd(fd);
  if (errno != ENOENT) throw SystemError("openat2(root, \"" + path + "\", RESOLVE_IN_ROOT)", errno);
  if (!file) return make_dirs_in_root(root, path, 0755);
  std::string rel = relative(path);
  std::size_t slash = rel.rfind('/');
  UniqueFd parent = slash == std::string::npos
                        ? UniqueFd(fcntl(root, F_DUPFD_CLOEXEC, 0))
                        : make_dirs_in_root(root, rel.substr(0, slash), 0755);
  std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
  int f = openat(parent.get(), name.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0 && errno != EEXIST) throw SystemError("openat(\"" + path + "\", O_CREAT)", errno);
  if (f >= 0) close(f);
  return open_in_root(root, path, O_PATH);
}

}  // namespace bootstrap::sandbox
