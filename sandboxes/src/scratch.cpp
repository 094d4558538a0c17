// Scratch directories and garbage collection. The lock of a scratch dir is an flock on the
// directory itself, so "can I lock it?" is exactly "is its owner dead?".
#include "bootstrap/sandbox/scratch.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "bootstrap/sandbox/lock.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/system_error.hpp"

namespace fs = std::filesystem;

namespace bootstrap::sandbox {
namespace {

void make_dir(const fs::path& p, mode_t mode) {
  if (mkdir(p.c_str(), mode) != 0 && errno != EEXIST)
    throw SystemError("mkdir(\"" + p.string() + "\")", errno);
}

bool same_dir(int fd, const fs::path& p) {
  struct stat a {
  }, b{};
  return fstat(fd, &a) == 0 && a.st_nlink > 0 && lstat(p.c_str(), &b) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

Scratch::Scratch(const fs::path& cache_root) {
  fs::path tmp = cache_root / "tmp";
  fs::create_directories(tmp);
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::string templ = (tmp / (std::to_string(getpid()) + "-XXXXXX")).string();
    if (mkdtemp(templ.data()) == nullptr) throw SystemError("mkdtemp(\"" + templ + "\")", errno);
    UniqueFd fd(open(templ.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw SystemError("open(\"" + templ + "\")", errno);
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // a gc got it first: it is removing it
    // A gc may have locked, emptied and removed it between mkdtemp and our flock.
    if (!same_dir(fd.get(), templ)) continue;
    dir_ = templ;
    lock_ = std::move(fd);
    make_dir(upper(), 0755);
    make_dir(work(), 0755);
    return;
  }
  throw std::runtime_error("cannot create a scratch directory under " + tmp.string());
}

Scratch& Scratch::operator=(Scratch&& o) noexcept {
  if (this != &o) {
    try {
      remove();
    } catch (...) {
    }
    dir_ = std::move(o.dir_);
    lock_ = std::move(o.lock_);
  }
  return *this;
}

Scratch::~Scratch() {
  try {
    remove();
  } catch (...) {
    // The next gc removes it: its lock dies with us.
  }
}

void Scratch::reset() {
  remove_tree(upper());
  remove_tree(work());
  make_dir(upper(), 0755);
  make_dir(work(), 0755);
}

void Scratch::remove() {
  if (dir_.empty() || !lock_) return;
  // Removed while still locked, so a gc never sees it half gone and unlocked.
  remove_tree(dir_);
  dir_.clear();
  lock_.reset();
}

std::vector<fs::path> collect_garbage(const fs::path& cache_root) {
  std::vector<fs::path> removed;
  std::error_code ec;
  fs::path tmp = cache_root / "tmp";
  if (fs::is_directory(tmp, ec)) {
    for (const auto& entry : fs::directory_iterator(tmp, ec)) {
      const fs::path& p = entry.path();
      if (!entry.is_directory(ec) || entry.is_symlink(ec)) {
        remove_tree(p);
        removed.push_back(p);
        continue;
      }
      UniqueFd fd(open(p.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) continue;
      FileLock lock = FileLock::try_acquire(std::move(fd));
      if (!lock) continue;  // alive
      remove_tree(p);
      removed.push_back(p);
    }
  }
  fs::path images = cache_root / "images";
  if (fs::is_directory(images, ec)) {
    for (const auto& entry : fs::directory_iterator(images, ec)) {
      std::string name = entry.path().filename().string();
      // .tmp-<image>-XXXXXX (a build) and .old-<image>-XXXXXX (a replaced or removed image).
      if (name.rfind(".tmp-", 0) != 0 && name.rfind(".old-", 0) != 0) continue;
      std::string image = name.substr(5);
      auto dash = image.rfind('-');
      if (dash == std::string::npos) continue;
      image = image.substr(0, dash);
      FileLock lock = FileLock::try_acquire(images / (image + ".lock"));
      if (!lock) continue;  // a build of that image is running
      remove_tree(entry.path());
      removed.push_back(entry.path());
    }
  }
  return removed;
}

}  // namespace bootstrap::sandbox
