// Advisory file locks (flock): released by the kernel when the holder dies, so a lock that
// can be taken means its owner is gone.
#pragma once

#include <filesystem>

#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {

class FileLock {
 public:
  enum class Mode { Exclusive, Shared };

  FileLock() = default;
  // Opens (creating it if needed) and locks `path`, waiting for holders when `wait`, else an
  // unlocked FileLock (false) when someone holds it. A lock file its holder unlinked meanwhile
  // is opened again, so the lock always belongs to the file now at `path`.
  static FileLock lock(const std::filesystem::path& path, Mode mode, bool wait);
  // lock(path, Exclusive, true) and lock(path, Exclusive, false).
  static FileLock acquire(const std::filesystem::path& path);
  static FileLock try_acquire(const std::filesystem::path& path);
  // Locks an already open file or directory.
  static FileLock try_acquire(UniqueFd fd);

  explicit operator bool() const { return static_cast<bool>(fd_); }
  int fd() const { return fd_.get(); }
  void release() { fd_.reset(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace bootstrap::sandbox
