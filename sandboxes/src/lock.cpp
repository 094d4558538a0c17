// flock(2) locks: held as long as the descriptor is open, dropped when the process dies.
#include "bootstrap/sandbox/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "bootstrap/system_error.hpp"

namespace bootstrap::sandbox {
namespace {

UniqueFd open_lock_file(const std::filesystem::path& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw SystemError("open(\"" + path.string() + "\", O_CREAT)", errno);
  return UniqueFd(fd);
}

}  // namespace

FileLock FileLock::lock(const std::filesystem::path& path, Mode mode, bool wait) {
  int operation = (mode == Mode::Shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
  for (;;) {
    UniqueFd fd = open_lock_file(path);
    int rc;
    while ((rc = flock(fd.get(), operation)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
      if (errno == EWOULDBLOCK) return FileLock();
      throw SystemError("flock(\"" + path.string() + "\")", errno);
    }
    struct stat held {
    }, now{};
    if (fstat(fd.get(), &held) == 0 && stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev)
      return FileLock(std::move(fd));
  }
}

FileLock FileLock::acquire(const std::filesystem::path& path) {
  return lock(path, Mode::Exclusive, true);
}

FileLock FileLock::try_acquire(const std::filesystem::path& path) {
  return lock(path, Mode::Exclusive, false);
}

FileLock FileLock::try_acquire(UniqueFd fd) {
  if (flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return FileLock(std::move(fd));
  if (errno == EWOULDBLOCK) return FileLock();
  throw SystemError("flock(LOCK_EX|LOCK_NB)", errno);
}

}  // namespace bootstrap::sandbox
