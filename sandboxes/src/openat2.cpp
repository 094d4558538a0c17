#include "bootstrap/openat2.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace bootstrap {

int openat2_retrying(int dir_fd, const char* path, const open_how& how) {
  // Each try that fails so lost a race with a mount or rename that has finished by then; a
  // bound keeps a machine that mounts without pause from holding the caller forever.
  constexpr int kTries = 128;
  int fd = -1;
  for (int i = 0; i < kTries; ++i) {
    fd = static_cast<int>(syscall(SYS_openat2, dir_fd, path, &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

}  // namespace bootstrap
