// Rootless bootstrap: a user who is not root runs the sandbox commands inside a user namespace
// of their own, the way rootless podman does. The whole process enters it once, at the start of
// the command, so everything after (images, layers, sandboxes, gc) runs as uid 0 of that
// namespace and needs no second code path:
//   0          -> the caller's own uid (files the caller owns look root's, and stay the caller's)
//   1..count   -> the caller's subordinate range from /etc/subuid (apt's _apt, dpkg's chowns,
//                 useradd's users), mapped by newuidmap/newgidmap from Debian's uidmap
// The kernel gives the namespace's root capabilities over that namespace only: over files whose
// owners are mapped into it, never over anything of another user or of the real root.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace bootstrap::sandbox {

struct IdRange {
  unsigned long first = 0;
  unsigned long count = 0;
};

// The first range of `user` (a name, or the uid as digits) in a file in the format of
// /etc/subuid and /etc/subgid ("name:first:count" lines); none when the file or a line is missing.
std::optional<IdRange> subordinate_range(const std::filesystem::path& file, const std::string& user,
                                         uid_t uid);

enum class Mapping {
  Full,            // the caller and 65536 subordinate ids: what Debian images need
  CallerIsEnough,  // the caller alone will do when there are no subordinate ids (host image, gc)
};

// Not root: enters a new user namespace where the caller is uid and gid 0 (see the top of this
// file). Must run while the process has one thread. Root, or already entered: does nothing.
// Throws EnvironmentError (exit 3) with the cause in one line: no subordinate ids (naming the
// missing /etc/subuid line and the command that adds it), no newuidmap, or user namespaces
// refused by the kernel or the distribution.
void enter_user_namespace(Mapping need);

// Whether this process is inside the user namespace enter_user_namespace made.
bool rootless();

// Whether that namespace maps the caller alone (no subordinate ids).
bool caller_only_mapping();

// The uid bootstrap was started as: getuid() before any user namespace.
uid_t invoking_uid();

// The xattr overlayfs marks an opaque directory with: trusted.overlay.opaque as root;
// user.overlay.opaque rootless, where layers are mounted with `userxattr` (a user namespace
// cannot set trusted.* xattrs).
const char* overlay_opaque_xattr();

// Why this kernel or distribution refuses an unprivileged user namespace ("" when nothing
// says so): user.max_user_namespaces = 0, kernel.unprivileged_userns_clone = 0, AppArmor's
// kernel.apparmor_restrict_unprivileged_userns = 1. `proc_sys` is where those are read.
std::string why_user_namespaces_are_refused(const std::filesystem::path& proc_sys = "/proc/sys");

}  // namespace bootstrap::sandbox
