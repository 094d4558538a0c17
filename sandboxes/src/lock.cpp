// flock(2) locks: held as long as the descriptor is open, dropped when the process dies.
#include "bootstrap/sandbox/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

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

FileLock FileLock::acquire(const std::filesystem::path& path) {
  UniqueFd fd = open_lock_file(path);
  while (flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw SystemError("flock(\"" + path.string() + "\", LOCK_EX)", errno);
  }
  return FileLock(std::move(fd));
}

FileLock FileLock::try_acquire(const std::filesystem::path& path) {
  return try_acquire(open_lock_file(path));
}

FileLock FileLock::try_acquire(UniqueFd fd) {
  if (flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return FileLock(std::move(fd));
  if (errno == EWOULDBLOCK) return FileLock();
  throw SystemError("flock(LOCK_EX|LOCK_NB)", errno);
}

}  // namespace bootstrap::sandbox
