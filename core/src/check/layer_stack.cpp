#include "layer_stack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

bool opaque(const fs::path& dir) {
  char v = 0;
  return ::lgetxattr(dir.c_str(), bootstrap::sandbox::overlay_opaque_xattr(), &v, 1) == 1 &&
         v == 'y';
}

void copy_xattrs(const fs::path& from, const fs::path& to) {
  ssize_t n = ::llistxattr(from.c_str(), nullptr, 0);
  if (n <= 0) return;
  std::string names(static_cast<std::size_t>(n), '\0');
  n = ::llistxattr(from.c_str(), names.data(), names.size());
  for (std::size_t i = 0; n > 0 && i < static_cast<std::size_t>(n);) {
    std::string name(names.c_str() + i);
    i += name.size() + 1;
    ssize_t size = ::lgetxattr(from.c_str(), name.c_str(), nullptr, 0);
    if (size < 0) continue;
    std::string value(static_cast<std::size_t>(size), '\0');
    size = ::lgetxattr(from.c_str(), name.c_str(), value.data(), value.size());
    if (size < 0) continue;
    if (::lsetxattr(to.c_str(), name.c_str(), value.data(), static_cast<std::size_t>(size), 0) != 0)
      throw SystemError("lsetxattr(" + to.string() + ", " + name + ")", errno);
  }
}

// A directory like `from` at `to` (which must not exist).
void make_dir_like(const fs::path& from, const struct stat& st, const fs::path& to) {
  if (::mkdir(to.c_str(), 0700) != 0) throw SystemError("mkdir(" + to.string() + ")", errno);
  if (::lchown(to.c_str(), st.st_uid, st.st_gid) != 0)
    throw SystemError("lchown(" + to.string() + ")", errno);
  if (::chmod(to.c_str(), st.st_mode & 07777) != 0)
    throw SystemError("chmod(" + to.string() + ")", errno);
  copy_xattrs(from, to);
}

// `to` as the same inode as `from`; a whiteout past the link limit is made anew.
void link_like(const fs::path& from, const struct stat& st, const fs::path& to) {
  if (::linkat(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), 0) == 0) return;
  bool whiteout = S_ISCHR(st.st_mode) && st.st_rdev == 0;
  if (errno == EMLINK && whiteout && ::mknod(to.c_str(), S_IFCHR | 0, 0) == 0) return;
  throw SystemError("linkat(" + from.string() + ", " + to.string() + ")", errno);
}

void remove_if_there(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode))
    sandbox::remove_tree(p);
  else if (::unlink(p.c_str()) != 0)
    throw SystemError("unlink(" + p.string() + ")", errno);
}

}  // namespace

void lay_over(const fs::path& layer, const fs::path& into) {
  for (const auto& entry : fs::directory_iterator(layer)) {
    fs::path from = entry.path(), to = into / from.filename();
    struct stat st {
    }, there{};
    if (::lstat(from.c_str(), &st) != 0) throw SystemError("lstat(" + from.string() + ")", errno);
    bool exists = ::lstat(to.c_str(), &there) == 0;
    if (!S_ISDIR(st.st_mode)) {
      if (exists) remove_if_there(to);
      link_like(from, st, to);
      continue;
    }
    // A directory: merged with one below unless it is opaque (then it replaces it).
    if (exists && (!S_ISDIR(there.st_mode) || opaque(from))) {
      remove_if_there(to);
      exists = false;
    }
    if (!exists) {
      make_dir_like(from, st, to);
    } else {
      if (::lchown(to.c_str(), st.st_uid, st.st_gid) != 0 ||
          ::chmod(to.c_str(), st.st_mode & 07777) != 0)
        throw SystemError("chown/chmod(" + to.string() + ")", errno);
      copy_xattrs(from, to);
    }
    lay_over(from, to);
  }
}

LayerStack::LayerStack(fs::path cache_root, LayersInUse& in_use, bool use_cache)
    : cache_root_(std::move(cache_root)), in_use_(&in_use), use_cache_(use_cache) {}

void LayerStack::push(const fs::path& tree, const std::string& chain_key) {
  above_.push_back(tree);
  if (above_.size() == kSquashEvery) squash(chain_key);
}

std::vector<fs::path> LayerStack::lowers() const {
  std::vector<fs::path> out(above_.rbegin(), above_.rend());
  if (!base_.empty()) out.push_back(base_);
  return out;
}

void LayerStack::squash(const std::string& chain_key) {
  CachedLayer layer = cached_layer(cache_root_, "squash-" + chain_key);
  LayerMakeLock lock(layer);
  // A squashed layer keeps no manifest of its own: one restored from elsewhere is made again.
  if ((!use_cache_ || !layer_trusted(layer)) && fs::exists(layer.dir)) remove_layer(layer);
  if (!layer.complete()) {
    sandbox::Scratch scratch(cache_root_);
    if (!base_.empty()) lay_over(base_, scratch.upper());
    for (const fs::path& tree : above_) lay_over(tree, scratch.upper());
    store_layer(scratch.upper(), layer, Manifest(), nlohmann::json{{"steps", above_.size()}});
  }
  in_use_->hold(layer);
  base_ = layer.tree();
  above_.clear();
}

}  // namespace bootstrap
