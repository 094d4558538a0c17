// Removing and copying trees with *at() calls only: no symlink is followed, no mount crossed.
#include "bootstrap/sandbox/tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {
namespace {

std::vector<std::string> list_dir(int dir_fd) {
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw SystemError("openat(dir, \".\")", errno);
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    throw SystemError("fdopendir()", errno);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  closedir(d);
  return names;
}

// The mount a path is on: a bind mount of the same filesystem has the same st_dev, not the
// same mount id.
std::uint64_t mount_id(int dir_fd, const char* name) {
  struct statx sx {};
  if (statx(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, STATX_MNT_ID, &sx) != 0) return 0;
  return (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
}

void empty_dir(int dir_fd, dev_t dev, const std::string& where) {
  const std::uint64_t mnt = mount_id(dir_fd, "");
  for (const std::string& name : list_dir(dir_fd)) {
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw SystemError("fstatat(\"" + where + "/" + name + "\")", errno);
    }
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev || mount_id(dir_fd, name.c_str()) != mnt)
        throw std::runtime_error("refusing to remove " + where + "/" + name +
                                 ": another filesystem is mounted there");
      // Root can open a mode-000 directory (overlay's work/work); chmod anyway for non-root.
      int sub = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0 && errno == EACCES) {
        fchmodat(dir_fd, name.c_str(), 0700, 0);
        sub = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (sub < 0) throw SystemError("openat(\"" + where + "/" + name + "\")", errno);
      UniqueFd s(sub);
      empty_dir(s.get(), dev, where + "/" + name);
      if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        throw SystemError("rmdir(\"" + where + "/" + name + "\")", errno);
    } else if (unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      throw SystemError("unlink(\"" + where + "/" + name + "\")", errno);
    }
  }
}

bool skipped_xattr(const std::string& name) {
  // Overlay's bookkeeping points into the layers of the mount that wrote it; only "opaque"
  // is part of what a layer means.
  for (const char* prefix : {"trusted.overlay.", "user.overlay."}) {
    std::string p = prefix;
    if (name.rfind(p, 0) == 0) return name != p + "opaque";
  }
  return false;
}

void copy_xattrs(int src, int dst, const std::string& where) {
  ssize_t len = flistxattr(src, nullptr, 0);
  if (len <= 0) return;
  std::string names(static_cast<std::size_t>(len), '\0');
  len = flistxattr(src, names.data(), names.size());
  if (len < 0) throw SystemError("flistxattr(\"" + where + "\")", errno);
  for (std::size_t i = 0; i < static_cast<std::size_t>(len);) {
    std::string name(names.c_str() + i);
    i += name.size() + 1;
    if (skipped_xattr(name)) continue;
    ssize_t vlen = fgetxattr(src, name.c_str(), nullptr, 0);
    if (vlen < 0) continue;
    std::string value(static_cast<std::size_t>(vlen), '\0');
    vlen = fgetxattr(src, name.c_str(), value.data(), value.size());
    if (vlen < 0) continue;
    if (fsetxattr(dst, name.c_str(), value.data(), static_cast<std::size_t>(vlen), 0) != 0)
      throw SystemError("fsetxattr(\"" + where + "\", \"" + name + "\")", errno);
  }
}

struct Copier {
  int dst_root = -1;
  std::map<std::pair<dev_t, ino_t>, std::string>
      links;  // (dev,ino) -> path of the first copy under dst_root

  void copy_file(int sdir, int ddir, const std::string& name, const struct stat& st,
                 const std::string& where) {
    UniqueFd in(openat(sdir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) throw SystemError("openat(\"" + where + "\")", errno);
    UniqueFd out(
        openat(ddir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) throw SystemError("openat(\"" + where + "\", O_CREAT)", errno);
    off_t left = st.st_size;
    while (left > 0) {
      ssize_t n =
          copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<std::size_t>(left), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        char buf[65536];
        n = read(in.get(), buf, sizeof buf);
        if (n > 0 && write(out.get(), buf, static_cast<std::size_t>(n)) != n)
          throw SystemError("write(\"" + where + "\")", errno);
      }
      if (n < 0) throw SystemError("copy_file_range(\"" + where + "\")", errno);
      if (n == 0) break;
      left -= n;
    }
    copy_xattrs(in.get(), out.get(), where);
    if (fchown(out.get(), st.st_uid, st.st_gid) != 0)
      throw SystemError("fchown(\"" + where + "\")", errno);
    if (fchmod(out.get(), st.st_mode & 07777) != 0)
      throw SystemError("fchmod(\"" + where + "\")", errno);
    timespec times[2] = {st.st_atim, st.st_mtim};
    futimens(out.get(), times);
  }

  void copy_dir(int sdir, int ddir, const std::string& where) {
    for (const std::string& name : list_dir(sdir)) {
      std::string path = where + "/" + name;
      struct stat st {};
      if (fstatat(sdir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        throw SystemError("fstatat(\"" + path + "\")", errno);
      if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        auto it = links.find({st.st_dev, st.st_ino});
        if (it != links.end()) {
          if (linkat(dst_root, it->second.c_str(), ddir, name.c_str(), 0) != 0)
            throw SystemError("linkat(\"" + path + "\")", errno);
          continue;
        }
      }
      timespec times[2] = {st.st_atim, st.st_mtim};
      if (S_ISDIR(st.st_mode)) {
        if (mkdirat(ddir, name.c_str(), 0700) != 0)
          throw SystemError("mkdirat(\"" + path + "\")", errno);
        UniqueFd s(openat(sdir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        UniqueFd d(openat(ddir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!s || !d) throw SystemError("openat(\"" + path + "\")", errno);
        copy_dir(s.get(), d.get(), path);
        copy_xattrs(s.get(), d.get(), path);
        if (fchown(d.get(), st.st_uid, st.st_gid) != 0)
          throw SystemError("fchown(\"" + path + "\")", errno);
        if (fchmod(d.get(), st.st_mode & 07777) != 0)
          throw SystemError("fchmod(\"" + path + "\")", errno);
        futimens(d.get(), times);
        continue;
      }
      if (S_ISREG(st.st_mode)) {
        copy_file(sdir, ddir, name, st, path);
      } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        ssize_t n = readlinkat(sdir, name.c_str(), target.data(), target.size());
        if (n < 0) throw SystemError("readlinkat(\"" + path + "\")", errno);
        target.resize(static_cast<std::size_t>(n));
        if (symlinkat(target.c_str(), ddir, name.c_str()) != 0)
          throw SystemError("symlinkat(\"" + path + "\")", errno);
        if (fchownat(ddir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
          throw SystemError("lchown(\"" + path + "\")", errno);
        utimensat(ddir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
      } else {
        // Device nodes, whiteouts (char 0/0), fifos, sockets.
        if (mknodat(ddir, name.c_str(), st.st_mode, st.st_rdev) != 0)
          throw SystemError("mknodat(\"" + path + "\")", errno);
        if (fchownat(ddir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
          throw SystemError("lchown(\"" + path + "\")", errno);
        if (fchmodat(ddir, name.c_str(), st.st_mode & 07777, 0) != 0)
          throw SystemError("chmod(\"" + path + "\")", errno);
        utimensat(ddir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
      }
      if (st.st_nlink > 1) links[{st.st_dev, st.st_ino}] = path.substr(1);
    }
  }
};

}  // namespace

void remove_tree_at(int parent_fd, const char* name) {
  struct stat st {};
  if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw SystemError(std::string("fstatat(\"") + name + "\")", errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(parent_fd, name, 0) != 0 && errno != ENOENT)
      throw SystemError(std::string("unlink(\"") + name + "\")", errno);
    return;
  }
  UniqueFd dir(openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) throw SystemError(std::string("openat(\"") + name + "\")", errno);
  empty_dir(dir.get(), st.st_dev, name);
  if (unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    throw SystemError(std::string("rmdir(\"") + name + "\")", errno);
}

void remove_tree(const std::filesystem::path& path) {
  std::filesystem::path parent = path.parent_path().empty() ? "." : path.parent_path();
  UniqueFd p(open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!p) {
    if (errno == ENOENT) return;
    throw SystemError("open(\"" + parent.string() + "\")", errno);
  }
  try {
    remove_tree_at(p.get(), path.filename().c_str());
  } catch (const std::exception& e) {
    throw std::runtime_error("removing " + path.string() + ": " + e.what());
  }
}

void copy_tree(int src_dir_fd, int dst_dir_fd) {
  Copier c;
  c.dst_root = dst_dir_fd;
  c.copy_dir(src_dir_fd, dst_dir_fd, "");
  struct stat st {};
  if (fstat(src_dir_fd, &st) == 0) {
    copy_xattrs(src_dir_fd, dst_dir_fd, "/");
    if (fchown(dst_dir_fd, st.st_uid, st.st_gid) != 0) throw SystemError("fchown(\"/\")", errno);
    if (fchmod(dst_dir_fd, st.st_mode & 07777) != 0) throw SystemError("fchmod(\"/\")", errno);
    timespec times[2] = {st.st_atim, st.st_mtim};
    futimens(dst_dir_fd, times);
  }
}

void copy_tree(const std::filesystem::path& src, const std::filesystem::path& dst) {
  UniqueFd s(open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!s) throw SystemError("open(\"" + src.string() + "\")", errno);
  UniqueFd d(open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d) throw SystemError("open(\"" + dst.string() + "\")", errno);
  copy_tree(s.get(), d.get());
}

void move_tree(const std::filesystem::path& src, const std::filesystem::path& dst) {
  if (rmdir(dst.c_str()) != 0 && errno != ENOENT)
    throw SystemError("rmdir(\"" + dst.string() + "\") (it must be missing or empty)", errno);
  if (rename(src.c_str(), dst.c_str()) == 0) return;
  if (errno != EXDEV)
    throw SystemError("rename(\"" + src.string() + "\", \"" + dst.string() + "\")", errno);
  if (mkdir(dst.c_str(), 0755) != 0) throw SystemError("mkdir(\"" + dst.string() + "\")", errno);
  copy_tree(src, dst);
  remove_tree(src);
}

std::uint64_t tree_bytes(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::uint64_t n = 0;
  std::error_code ec;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) n += it->file_size(ec);
  }
  return n;
}

}  // namespace bootstrap::sandbox
