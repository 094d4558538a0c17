#include "bootstrap/target_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "../manifest/entry_fields.hpp"
#include "bootstrap/digest.hpp"
#include "bootstrap/openat2.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {
using namespace manifest_fields;

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

void read_link(ManifestEntry& e, int dir, const std::string& name, const std::string& shown) {
  std::array<char, 4096> buf{};
  ssize_t n = readlinkat(dir, name.c_str(), buf.data(), buf.size());
  if (n < 0) throw SystemError("readlinkat(" + quoted(shown) + ")", errno);
  e.link_target.assign(buf.data(), static_cast<std::size_t>(n));
}

// Regular files and directories: xattrs through an fd; files also their digest.
void read_contents(ManifestEntry& e, int dir, const std::string& name, const std::string& shown,
                   bool digest) {
  int flags =
      O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (e.type == Type::Dir ? O_DIRECTORY : 0);
  UniqueFd fd(openat(dir, name.c_str(), flags));
  if (!fd) throw SystemError("openat(" + quoted(shown) + ", O_NOFOLLOW)", errno);
  int f = fd.get();
  read_xattrs(
      e, [&] { return quoted(shown); },
      [f](char* b, std::size_t n) { return ::flistxattr(f, b, n); },
      [f](const char* k, void* b, std::size_t n) { return ::fgetxattr(f, k, b, n); });
  if (e.type == Type::File && digest) e.digest = digest_fd(f, e.size).text();
}

}  // namespace

TargetTree::TargetTree(std::filesystem::path root) : root_(std::move(root)) {
  root_fd_.reset(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) throw SystemError("open(" + quoted(root_.string()) + ", O_DIRECTORY)", errno);
}

std::string TargetTree::shown(const std::string& path) const {
  return root_ == "/" ? path : root_.string() + path;
}

UniqueFd TargetTree::open_parent(const std::string& path, std::string& name) const {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/')
    throw std::invalid_argument("not a path in the target: '" + path + "'");
  auto slash = path.rfind('/');
  std::string dir = slash == 0 ? "." : path.substr(1, slash - 1);
  name = path.substr(slash + 1);
  if (name == "." || name == "..")
    throw std::invalid_argument("bad path in the target: '" + path + "'");
  if (last_fd_ && dir == last_dir_) return UniqueFd(::fcntl(last_fd_.get(), F_DUPFD_CLOEXEC, 0));
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(openat2_retrying(root_fd_.get(), dir.c_str(), how));
  if (!fd) return fd;
  last_dir_ = dir;
  last_fd_.reset(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
  return fd;
}

void TargetTree::forget() const {
  last_dir_.clear();
  last_fd_.reset();
}

std::pair<UniqueFd, std::string> TargetTree::parent(const std::string& path) const {
  std::string name;
  UniqueFd fd = open_parent(path, name);
  if (!fd) {
    auto slash = path.rfind('/');
    throw SystemError("openat2(" + quoted(shown(slash == 0 ? "/" : path.substr(0, slash))) +
                          ", RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS)",
                      errno);
  }
  return {std::move(fd), name};
}

std::optional<struct stat> TargetTree::lstat(const std::string& path) const {
  std::string name;
  UniqueFd dir = open_parent(path, name);
  if (!dir) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    parent(path);  // throws, naming the call and errno
    return std::nullopt;
  }
  struct stat st {};
  if (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return st;
  if (errno == ENOENT) return std::nullopt;
  throw SystemError("fstatat(" + quoted(shown(path)) + ", AT_SYMLINK_NOFOLLOW)", errno);
}

std::optional<ManifestEntry> TargetTree::read(const std::string& path, bool digest) const {
  auto st = lstat(path);
  if (!st) return std::nullopt;
  ManifestEntry e;
  e.path = path;
  fill_from_stat(e, *st, true);
  if (e.type == Type::Whiteout) e.type = Type::CharDev;  // a real 0:0 device in a real tree
  auto [dir, name] = parent(path);
  if (e.type == Type::Symlink) read_link(e, dir.get(), name, shown(path));
  if (e.type == Type::File || e.type == Type::Dir)
    read_contents(e, dir.get(), name, shown(path), digest);
  e.opaque = false;
  return e;
}

UniqueFd TargetTree::open_dir(const std::string& path) const {
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  std::string rel = path == "/" ? "." : path.substr(1);
  UniqueFd fd(openat2_retrying(root_fd_.get(), rel.c_str(), how));
  if (!fd) throw SystemError("openat2(" + quoted(shown(path)) + ", O_DIRECTORY)", errno);
  return fd;
}

std::vector<std::string> TargetTree::list(const std::string& path) const {
  int fd = open_dir(path).release();
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    throw SystemError("fdopendir(" + quoted(shown(path)) + ")", errno);
  }
  std::vector<std::string> names;
  while (dirent* ent = readdir(d)) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool same_state(const ManifestEntry& a, const ManifestEntry& b) {
  return same_shape(a, b) && a.digest == b.digest;
}

bool same_shape(const ManifestEntry& a, const ManifestEntry& b) {
  return a.type == b.type && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid &&
         a.size == b.size && a.link_target == b.link_target && a.xattrs == b.xattrs &&
         a.rdev == b.rdev;
}

}  // namespace bootstrap
