// Filling a ManifestEntry from stat and the xattr calls: shared by the upper-layer walk and
// the for-real commit, which reads the target's entries the same way (internal to core).
#pragma once

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <string_view>

#include "bootstrap/manifest.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap::manifest_fields {

using Type = ManifestEntry::Type;

// Overlay's bookkeeping and host policy labels are not part of what a run wrote.
inline bool skipped_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.") ||
         name == "security.selinux";
}

inline bool is_opaque_marker(std::string_view name, std::string_view value) {
  return (name == "trusted.overlay.opaque" || name == "user.overlay.opaque") && value == "y";
}

// Reads all xattrs through one of flistxattr/llistxattr and fgetxattr/lgetxattr. `where()`
// names the entry in an error message (built only then).
template <typename Where, typename List, typename Get>
void read_xattrs(ManifestEntry& e, Where where, List list, Get get) {
  // Asking for the size first: most entries have none, and then the kernel allocates nothing.
  ssize_t n = list(nullptr, 0);
  if (n == 0 || (n < 0 && errno == ENOTSUP)) return;
  if (n < 0) throw SystemError("listxattr(" + where() + ")", errno);
  std::string names(static_cast<std::size_t>(n) + 1, '\0');
  for (;;) {
    n = list(names.data(), names.size());
    if (n >= 0) break;
    if (errno != ERANGE) throw SystemError("listxattr(" + where() + ")", errno);
    ssize_t need = list(nullptr, 0);  // grew meanwhile
    if (need < 0) throw SystemError("listxattr(" + where() + ")", errno);
    names.assign(static_cast<std::size_t>(need) + 1, '\0');
  }
  names.resize(static_cast<std::size_t>(n));
  std::string value;
  for (std::size_t i = 0; i < names.size();) {
    std::string name(names.c_str() + i);
    i += name.size() + 1;
    if (name.empty()) continue;
    bool overlay = name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
    if (overlay && !name.ends_with(".opaque")) continue;
    value.assign(64, '\0');
    ssize_t v;
    for (;;) {
      v = get(name.c_str(), value.data(), value.size());
      if (v >= 0) break;
      if (errno == ENODATA) break;  // removed meanwhile
      if (errno != ERANGE) throw SystemError("getxattr(" + where() + ", " + name + ")", errno);
      ssize_t need = get(name.c_str(), nullptr, 0);
      if (need < 0) throw SystemError("getxattr(" + where() + ", " + name + ")", errno);
      value.assign(static_cast<std::size_t>(need) + 1, '\0');
    }
    if (v < 0) continue;
    value.resize(static_cast<std::size_t>(v));
    if (is_opaque_marker(name, value)) e.opaque = true;
    if (skipped_xattr(name)) continue;
    e.xattrs.emplace_back(std::move(name), value);
  }
  std::sort(e.xattrs.begin(), e.xattrs.end());
}

inline Type type_of(mode_t m, dev_t rdev) {
  switch (m & S_IFMT) {
    case S_IFREG:
      return Type::File;
    case S_IFDIR:
      return Type::Dir;
    case S_IFLNK:
      return Type::Symlink;
    case S_IFIFO:
      return Type::Fifo;
    case S_IFSOCK:
      return Type::Socket;
    case S_IFBLK:
      return Type::BlockDev;
    case S_IFCHR:
      return rdev == makedev(0, 0) ? Type::Whiteout : Type::CharDev;
  }
  return Type::File;
}

inline void fill_from_stat(ManifestEntry& e, const struct stat& st, bool times) {
  e.type = type_of(st.st_mode, st.st_rdev);
  if (e.type == Type::Whiteout) return;  // only "removed" matters
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  if (e.type == Type::File || e.type == Type::Symlink)
    e.size = static_cast<std::uint64_t>(st.st_size);
  if (e.type == Type::CharDev || e.type == Type::BlockDev) e.rdev = st.st_rdev;
  if (times) e.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace bootstrap::manifest_fields
