// openat2(2), retried while it fails with EAGAIN. With RESOLVE_IN_ROOT or RESOLVE_BENEATH, the
// kernel answers EAGAIN when a rename or a mount anywhere on the machine raced with a ".." of
// the path, since it cannot then prove that the ".." stayed inside; the caller is to try again.
// Seen while other sandboxes mounted: /etc/os-release -> ../usr/lib/os-release in bullseye.
#pragma once

#include <linux/openat2.h>

namespace bootstrap {

// The file descriptor, or -1 with errno set (EAGAIN only after many tries in a row).
int openat2_retrying(int dir_fd, const char* path, const open_how& how);

}  // namespace bootstrap
