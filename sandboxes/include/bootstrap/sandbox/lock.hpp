// Advisory file locks (flock): released by the kernel when the holder dies, so a lock that
// can be taken means its owner is gone.
#pragma once

#include <filesystem>

#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {

class FileLock {
 public:
  FileLock() = default;
  // Opens (creating it if needed) and locks `path` exclusively, waiting for the holder.
  static FileLock acquire(const std::filesystem::path& path);
  // Same without waiting: an unlocked FileLock (false) when someone holds it.
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
