// The filesystems mounted inside a root directory (a host's /srv, /var or /home on a disk of
// their own), read from /proc/self/mountinfo. overlayfs does not look through mount points in
// a lower layer, so an image whose root has them shows each through an overlay of its own
// (Spec::submounts): without that, a sandbox of a host with its own /var would see the empty
// directory under the mount, not the host's dpkg database.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bootstrap::sandbox {

struct MountPoint {
  std::string path;    // inside the root: "/srv"
  std::string fstype;  // "ext4", "tmpfs"
  std::string source;  // "/dev/vdb1", "tmpfs"
  bool operator==(const MountPoint&) const = default;
  std::string describe() const;  // "/srv (tmpfs from tmpfs)"
};

// The directories mounted under `root` (not `root` itself) that hold files of the host: parents
// before children, the topmost mount where several are stacked. Left out: what every sandbox
// mounts for itself (/proc, /sys, /dev, /run, /tmp and anything below them), kernel and
// runtime filesystems (cgroup, devpts, overlay of containers...), mounts of a single file, and
// anything at or under `skip` (the cache root, whose layers no sandbox sees).
std::vector<MountPoint> mounts_under(const std::filesystem::path& root,
                                     const std::vector<std::filesystem::path>& skip = {});

// One mountinfo line's mount point, filesystem type and source, octal escapes ("\040")
// decoded; all empty for a line it cannot read. Exposed for tests.
struct MountInfoLine {
  std::string mount_point;
  std::string fstype;
  std::string source;
};
MountInfoLine parse_mountinfo_line(const std::string& line);

}  // namespace bootstrap::sandbox
