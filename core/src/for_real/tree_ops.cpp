#include "tree_ops.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <vector>

#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap::tree_ops {
using Type = ManifestEntry::Type;

namespace {

std::string q(const std::string& s) { return "\"" + s + "\""; }

void check(int rc, const std::string& call) {
  if (rc != 0) throw SystemError(call, errno);
}

UniqueFd open_at(int dir, const std::string& name, int flags) {
  UniqueFd fd(::openat(dir, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd) throw SystemError("openat(" + q(name) + ", O_NOFOLLOW)", errno);
  return fd;
}

void copy_bytes(int from, int to, const std::string& name) {
  for (;;) {
    ssize_t n = ::copy_file_range(from, nullptr, to, nullptr, 1 << 30, 0);
    if (n == 0) return;
    if (n > 0) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      throw SystemError("copy_file_range(" + q(name) + ")", errno);
    break;  // fall back to read/write
  }
  std::array<char, 1 << 16> buf{};
  for (;;) {
    ssize_t n = ::read(from, buf.data(), buf.size());
    if (n == 0) return;
    if (n < 0) throw SystemError("read(" + q(name) + ")", errno);
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(to, buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0) throw SystemError("write(" + q(name) + ")", errno);
      off += w;
    }
  }
}

// Owner first (chown clears set-id bits and file capabilities), then mode, then xattrs.
void set_meta(int fd, const ManifestEntry& e, const std::string& name) {
  check(::fchown(fd, e.uid, e.gid), "fchown(" + q(name) + ")");
  check(::fchmod(fd, e.mode), "fchmod(" + q(name) + ")");
  for (const auto& [k, v] : e.xattrs)
    check(::fsetxattr(fd, k.c_str(), v.data(), v.size(), 0),
          "fsetxattr(" + q(name) + ", " + k + ")");
}

// The names in an opened directory (a duplicate of `fd` is read, so `fd` stays usable).
std::vector<std::string> names_in(int fd, const std::string& shown) {
  DIR* d = ::fdopendir(::dup(fd));
  if (d == nullptr) throw SystemError("fdopendir(" + q(shown) + ")", errno);
  std::vector<std::string> names;
  while (dirent* ent = ::readdir(d)) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  return names;
}

std::vector<std::pair<std::string, std::string>> xattrs_of(int fd, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  ssize_t n = ::flistxattr(fd, nullptr, 0);
  if (n <= 0) return out;
  std::string names(static_cast<std::size_t>(n), '\0');
  n = ::flistxattr(fd, names.data(), names.size());
  if (n < 0) throw SystemError("flistxattr(" + q(name) + ")", errno);
  for (std::size_t i = 0; i < static_cast<std::size_t>(n);) {
    std::string key(names.c_str() + i);
    i += key.size() + 1;
    ssize_t size = ::fgetxattr(fd, key.c_str(), nullptr, 0);
    if (size < 0) continue;
    std::string value(static_cast<std::size_t>(size), '\0');
    size = ::fgetxattr(fd, key.c_str(), value.data(), value.size());
    if (size >= 0) out.emplace_back(key, value.substr(0, static_cast<std::size_t>(size)));
  }
  return out;
}

ManifestEntry meta_of(const struct stat& st) {
  ManifestEntry e;
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  return e;
}

}  // namespace

void copy_node(int from_dir, const std::string& from, int to_dir, const std::string& to);

namespace {

void copy_dir(int from_dir, const std::string& from, int to_dir, const std::string& to,
              const struct stat& st) {
  check(::mkdirat(to_dir, to.c_str(), 0700), "mkdirat(" + q(to) + ")");
  UniqueFd src = open_at(from_dir, from, O_RDONLY | O_DIRECTORY);
  UniqueFd dst = open_at(to_dir, to, O_RDONLY | O_DIRECTORY);
  for (const auto& n : names_in(src.get(), from)) copy_node(src.get(), n, dst.get(), n);
  ManifestEntry e = meta_of(st);
  e.xattrs = xattrs_of(src.get(), from);
  set_meta(dst.get(), e, to);
}

}  // namespace

void copy_node(int from_dir, const std::string& from, int to_dir, const std::string& to) {
  struct stat st {};
  check(::fstatat(from_dir, from.c_str(), &st, AT_SYMLINK_NOFOLLOW), "fstatat(" + q(from) + ")");
  if (S_ISDIR(st.st_mode)) return copy_dir(from_dir, from, to_dir, to, st);
  if (S_ISREG(st.st_mode)) {
    UniqueFd src = open_at(from_dir, from, O_RDONLY);
    UniqueFd dst = open_at(to_dir, to, O_WRONLY | O_CREAT | O_EXCL);
    copy_bytes(src.get(), dst.get(), from);
    ManifestEntry e = meta_of(st);
    e.xattrs = xattrs_of(src.get(), from);
    set_meta(dst.get(), e, to);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    check(::futimens(dst.get(), times), "futimens(" + q(to) + ")");
    return;
  }
  if (S_ISLNK(st.st_mode)) {
    std::array<char, 4096> buf{};
    ssize_t n = ::readlinkat(from_dir, from.c_str(), buf.data(), buf.size());
    if (n < 0) throw SystemError("readlinkat(" + q(from) + ")", errno);
    std::string target(buf.data(), static_cast<std::size_t>(n));
    check(::symlinkat(target.c_str(), to_dir, to.c_str()), "symlinkat(" + q(to) + ")");
  } else {
    check(::mknodat(to_dir, to.c_str(), st.st_mode, st.st_rdev), "mknodat(" + q(to) + ")");
    check(::fchmodat(to_dir, to.c_str(), st.st_mode & 07777, 0), "fchmodat(" + q(to) + ")");
  }
  check(::fchownat(to_dir, to.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW),
        "fchownat(" + q(to) + ")");
}

namespace {

mode_t type_bits(Type t) {
  switch (t) {
    case Type::Fifo:
      return S_IFIFO;
    case Type::Socket:
      return S_IFSOCK;
    case Type::CharDev:
      return S_IFCHR;
    case Type::BlockDev:
      return S_IFBLK;
    default:
      return 0;
  }
}

}  // namespace

void make_node(int dir, const std::string& name, const ManifestEntry& after,
               const std::string& source) {
  if (after.type == Type::File) {
    UniqueFd src(::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) throw SystemError("open(" + q(source) + ")", errno);
    UniqueFd dst = open_at(dir, name, O_WRONLY | O_CREAT | O_EXCL);
    copy_bytes(src.get(), dst.get(), source);
    set_meta(dst.get(), after, name);
    struct stat st {};
    check(::fstat(src.get(), &st), "fstat(" + q(source) + ")");
    struct timespec times[2] = {st.st_mtim, st.st_mtim};
    check(::futimens(dst.get(), times), "futimens(" + q(name) + ")");
    return;
  }
  if (after.type == Type::Symlink) {
    check(::symlinkat(after.link_target.c_str(), dir, name.c_str()), "symlinkat(" + q(name) + ")");
  } else {
    check(::mknodat(dir, name.c_str(), type_bits(after.type) | 0600, after.rdev),
          "mknodat(" + q(name) + ")");
  }
  check(::fchownat(dir, name.c_str(), after.uid, after.gid, AT_SYMLINK_NOFOLLOW),
        "fchownat(" + q(name) + ")");
  if (after.type != Type::Symlink)
    check(::fchmodat(dir, name.c_str(), after.mode, 0), "fchmodat(" + q(name) + ")");
}

void make_dir(int dir, const std::string& name, const ManifestEntry& after) {
  check(::mkdirat(dir, name.c_str(), 0700), "mkdirat(" + q(name) + ")");
  retag_dir(dir, name, after);
}

void retag_dir(int dir, const std::string& name, const ManifestEntry& after) {
  UniqueFd fd = open_at(dir, name, O_RDONLY | O_DIRECTORY);
  for (const auto& [k, v] : xattrs_of(fd.get(), name)) {
    bool kept = false;
    for (const auto& [ak, av] : after.xattrs) kept = kept || ak == k;
    if (!kept && !k.starts_with("security.selinux"))
      check(::fremovexattr(fd.get(), k.c_str()), "fremovexattr(" + q(name) + ", " + k + ")");
  }
  set_meta(fd.get(), after, name);
}

bool exists(int dir, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  throw SystemError("fstatat(" + q(name) + ")", errno);
}

void remove_any(int dir, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw SystemError("fstatat(" + q(name) + ")", errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    check(::unlinkat(dir, name.c_str(), 0), "unlinkat(" + q(name) + ")");
    return;
  }
  UniqueFd fd = open_at(dir, name, O_RDONLY | O_DIRECTORY);
  for (const auto& n : names_in(fd.get(), name)) remove_any(fd.get(), n);
  check(::unlinkat(dir, name.c_str(), AT_REMOVEDIR), "unlinkat(" + q(name) + ", AT_REMOVEDIR)");
}

void rename_to(int from_dir, const std::string& from, int to_dir, const std::string& to,
               bool replace) {
  unsigned flags = replace ? 0 : RENAME_NOREPLACE;
  check(::renameat2(from_dir, from.c_str(), to_dir, to.c_str(), flags),
        "renameat2(" + q(from) + ", " + q(to) + (replace ? ")" : ", RENAME_NOREPLACE)"));
}

void save_link(int dir, const std::string& name, int backup_dir, const std::string& backup) {
  if (exists(backup_dir, backup)) return;  // saved before a crash
  if (::linkat(dir, name.c_str(), backup_dir, backup.c_str(), 0) == 0) return;
  if (errno != EXDEV && errno != EPERM && errno != EMLINK)
    throw SystemError("linkat(" + q(name) + ", " + q(backup) + ")", errno);
  std::string partial = backup + ".partial";
  remove_any(backup_dir, partial);
  copy_node(dir, name, backup_dir, partial);
  rename_to(backup_dir, partial, backup_dir, backup, false);
}

void move_away(int dir, const std::string& name, int backup_dir, const std::string& backup) {
  if (::renameat2(dir, name.c_str(), backup_dir, backup.c_str(), RENAME_NOREPLACE) == 0) return;
  if (errno != EXDEV) throw SystemError("renameat2(" + q(name) + ", " + q(backup) + ")", errno);
  if (!exists(backup_dir, backup)) {
    std::string partial = backup + ".partial";
    remove_any(backup_dir, partial);
    copy_node(dir, name, backup_dir, partial);
    rename_to(backup_dir, partial, backup_dir, backup, false);
  }
  remove_any(dir, name);
}

void put_back(int backup_dir, const std::string& backup, int dir, const std::string& name) {
  struct stat st {};
  check(::fstatat(backup_dir, backup.c_str(), &st, AT_SYMLINK_NOFOLLOW),
        "fstatat(" + q(backup) + ")");
  struct stat here {};
  bool there = ::fstatat(dir, name.c_str(), &here, AT_SYMLINK_NOFOLLOW) == 0;
  if (there && here.st_dev == st.st_dev && here.st_ino == st.st_ino) return;  // never moved
  if (there && (S_ISDIR(here.st_mode) || S_ISDIR(st.st_mode))) remove_any(dir, name);
  if (::renameat2(backup_dir, backup.c_str(), dir, name.c_str(), 0) == 0) return;
  if (errno != EXDEV) throw SystemError("renameat2(" + q(backup) + ", " + q(name) + ")", errno);
  std::string temp = name + ".bootstrap-restore";
  remove_any(dir, temp);
  copy_node(backup_dir, backup, dir, temp);
  rename_to(dir, temp, dir, name, true);
}

}  // namespace bootstrap::tree_ops

namespace bootstrap {

void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto open_dir = [](const std::filesystem::path& p) {
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw SystemError("open(\"" + p.string() + "\", O_DIRECTORY)", errno);
    return fd;
  };
  UniqueFd src = open_dir(from.parent_path());
  UniqueFd dst = open_dir(to.parent_path());
  tree_ops::copy_node(src.get(), from.filename().string(), dst.get(), to.filename().string());
}

}  // namespace bootstrap
