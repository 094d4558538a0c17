// Capabilities: what package installation needs, nothing that touches the host. The kept set
// is Docker's default; everything else leaves the bounding set, so no exec can get it back.
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

constexpr int kKept[] = {
    CAP_CHOWN,      CAP_DAC_OVERRIDE, CAP_FOWNER,      CAP_FSETID,           CAP_KILL,
    CAP_SETGID,     CAP_SETUID,       CAP_SETPCAP,     CAP_NET_BIND_SERVICE, CAP_NET_RAW,
    CAP_SYS_CHROOT, CAP_MKNOD,        CAP_AUDIT_WRITE, CAP_SETFCAP};

std::uint64_t kept_mask() {
  std::uint64_t m = 0;
  for (int c : kKept) m |= std::uint64_t{1} << c;
  return m;
}

void set_caps(std::uint64_t effective_permitted) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    auto word = static_cast<std::uint32_t>(effective_permitted >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) throw SystemError("capset()", errno);
}

}  // namespace

void drop_capabilities_in_child() {
  const std::uint64_t keep = kept_mask();
  for (int cap = 0; cap < 64; ++cap) {
    if ((keep >> cap) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      throw SystemError("prctl(PR_CAPBSET_DROP, " + std::to_string(cap) + ")", errno);
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    throw SystemError("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
  set_caps(keep);
}

void keep_only_kill_capability_in_child() {
  // The reaper only waits, and at the end kills what is left, including processes that changed
  // user. (Its bounding set does not matter: it never execs.)
  set_caps(std::uint64_t{1} << CAP_KILL);
}

}  // namespace bootstrap::sandbox
