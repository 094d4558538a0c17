// build_manifest: one thread walks the upper directory (getdents, plus fstatat for what is not
// a regular file); regular files go to a pool that opens, stats, lists xattrs and hashes them.
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "bootstrap/digest.hpp"
#include "bootstrap/manifest.hpp"
#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap {
namespace {

using Type = ManifestEntry::Type;

// Overlay's bookkeeping and host policy labels are not part of what a run wrote.
bool skipped_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.") ||
         name == "security.selinux";
}

bool is_opaque_marker(std::string_view name, std::string_view value) {
  return (name == "trusted.overlay.opaque" || name == "user.overlay.opaque") && value == "y";
}

// Reads all xattrs through one of flistxattr/llistxattr and fgetxattr/lgetxattr.
template <typename List, typename Get>
void read_xattrs(ManifestEntry& e, const std::string& what, List list, Get get) {
  std::string names(256, '\0');
  ssize_t n;
  for (;;) {
    n = list(names.data(), names.size());
    if (n >= 0) break;
    if (errno == ENOTSUP) return;
    if (errno != ERANGE) throw SystemError("listxattr(" + what + ")", errno);
    ssize_t need = list(nullptr, 0);
    if (need < 0) throw SystemError("listxattr(" + what + ")", errno);
    names.assign(static_cast<std::size_t>(need) + 1, '\0');
  }
  if (n == 0) return;
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
      if (errno != ERANGE) throw SystemError("getxattr(" + what + ", " + name + ")", errno);
      ssize_t need = get(name.c_str(), nullptr, 0);
      if (need < 0) throw SystemError("getxattr(" + what + ", " + name + ")", errno);
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

Type type_of(mode_t m, dev_t rdev) {
  switch (m & S_IFMT) {
    case S_IFREG: return Type::File;
    case S_IFDIR: return Type::Dir;
    case S_IFLNK: return Type::Symlink;
    case S_IFIFO: return Type::Fifo;
    case S_IFSOCK: return Type::Socket;
    case S_IFBLK: return Type::BlockDev;
    case S_IFCHR: return rdev == makedev(0, 0) ? Type::Whiteout : Type::CharDev;
  }
  return Type::File;
}

void fill_from_stat(ManifestEntry& e, const struct stat& st, bool times) {
  e.type = type_of(st.st_mode, st.st_rdev);
  if (e.type == Type::Whiteout) return;  // only "removed" matters
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  if (e.type == Type::File || e.type == Type::Symlink) e.size = static_cast<std::uint64_t>(st.st_size);
  if (e.type == Type::CharDev || e.type == Type::BlockDev) e.rdev = st.st_rdev;
  if (times) e.mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Opens a path below the root without following any symlink and without leaving its
// filesystem (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV).
int open_beneath(int root_fd, const char* relative, int flags) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, relative, &how, sizeof how));
}

class Walker {
 public:
  Walker(const std::filesystem::path& upper, const ManifestOptions& options)
      : upper_(upper.string()), options_(options) {
    root_.reset(::open(upper_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root_) throw SystemError("open(" + in_quotes(upper_) + ", O_DIRECTORY|O_NOFOLLOW)", errno);
    struct stat st {};
    check_sys(::fstat(root_.get(), &st), "fstat(" + in_quotes(upper_) + ")");
    root_dev_ = st.st_dev;
    struct open_how probe {};
    probe.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    probe.resolve = RESOLVE_BENEATH;
    int fd = static_cast<int>(::syscall(SYS_openat2, root_.get(), ".", &probe, sizeof probe));
    have_openat2_ = fd >= 0;
    if (fd >= 0) ::close(fd);
  }

  Manifest run() {
    int threads = options_.threads > 0 ? options_.threads
                                       : static_cast<int>(std::thread::hardware_concurrency());
    threads = std::max(threads, 1);
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    try {
      for (int i = 0; i < threads; ++i) pool.emplace_back([this] { work(); });
      walk();
    } catch (...) {
      fail(std::current_exception());
    }
    {
      std::lock_guard lock(mu_);
      walking_done_ = true;
    }
    cv_.notify_all();
    work();  // the walking thread helps with what is left
    for (auto& t : pool) t.join();
    if (error_) std::rethrow_exception(error_);

    std::vector<ManifestEntry> out;
    out.reserve(entries_.size());
    for (auto& e : entries_) out.push_back(std::move(e));
    return Manifest(std::move(out));
  }

 private:
  struct Dir {
    UniqueFd fd;
    std::string path;  // "" for the root, "/etc" below
  };

  void walk() {
    std::vector<Dir> stack;
    UniqueFd root_copy(::fcntl(root_.get(), F_DUPFD_CLOEXEC, 0));
    if (!root_copy) throw SystemError("dup(" + in_quotes(upper_) + ")", errno);
    stack.push_back(Dir{std::move(root_copy), ""});
    while (!stack.empty() && !failed_.load(std::memory_order_relaxed)) {
      Dir dir = std::move(stack.back());
      stack.pop_back();
      read_dir(dir, stack);
    }
  }

  // getdents64 directly: no DIR* allocation and no fcntl per directory.
  void read_dir(Dir& dir, std::vector<Dir>& stack) {
    alignas(8) static thread_local char buf[32 * 1024];
    int fd = dir.fd.get();
    std::vector<ManifestEntry*> files;
    for (;;) {
      long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw SystemError("getdents64(" + in_quotes(upper_ + dir.path) + ")", errno);
      if (n == 0) break;
      for (long off = 0; off < n;) {
        // The kernel aligns each record to 8 bytes; d_name starts at a fixed offset.
        const char* rec = buf + off;
        unsigned short reclen;
        unsigned char d_type;
        std::memcpy(&reclen, rec + offsetof(struct dirent64, d_reclen), sizeof reclen);
        std::memcpy(&d_type, rec + offsetof(struct dirent64, d_type), sizeof d_type);
        const char* name_ptr = rec + offsetof(struct dirent64, d_name);
        off += reclen;
        std::string_view name = name_ptr;
        if (name == "." || name == "..") continue;
        std::string path = dir.path + "/" + std::string(name);
        if (options_.ignore != nullptr && options_.ignore->matches(path)) continue;
        if (d_type == DT_REG) {
          files.push_back(&add_entry(std::move(path)));
        } else if (ManifestEntry* f = inspect(fd, name_ptr, std::move(path), stack)) {
          files.push_back(f);
        }
      }
    }
    enqueue(files);
  }

  ManifestEntry& add_entry(std::string path) {
    entries_.emplace_back();
    entries_.back().path = std::move(path);
    return entries_.back();
  }

  // Anything that is not known to be a regular file: stat it here, on the walking thread.
  // Returns the entry when it is a regular file still to be hashed.
  ManifestEntry* inspect(int dir_fd, const char* name, std::string path, std::vector<Dir>& stack) {
    struct stat st {};
    std::string host = upper_ + path;
    check_sys(::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW), "fstatat(" + in_quotes(host) + ")");
    ManifestEntry& e = add_entry(std::move(path));
    fill_from_stat(e, st, options_.strict_times);
    switch (e.type) {
      case Type::File:
        return &e;
      case Type::Dir: {
        UniqueFd sub(::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) throw SystemError("openat(" + in_quotes(host) + ", O_DIRECTORY|O_NOFOLLOW)", errno);
        int fd = sub.get();
        read_xattrs(
            e, host, [fd](char* b, std::size_t n) { return ::flistxattr(fd, b, n); },
            [fd](const char* k, void* b, std::size_t n) { return ::fgetxattr(fd, k, b, n); });
        if (st.st_dev == root_dev_) stack.push_back(Dir{std::move(sub), e.path});  // one filesystem
        return nullptr;
      }
      case Type::Symlink: {
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        for (;;) {
          ssize_t n = ::readlinkat(dir_fd, name, target.data(), target.size());
          if (n < 0) throw SystemError("readlinkat(" + in_quotes(host) + ")", errno);
          if (static_cast<std::size_t>(n) < target.size()) {
            target.resize(static_cast<std::size_t>(n));
            break;
          }
          target.assign(target.size() * 2, '\0');
        }
        e.link_target = std::move(target);
        e.size = e.link_target.size();
        break;
      }
      case Type::Whiteout:
        return nullptr;
      default:
        break;
    }
    const char* h = host.c_str();
    read_xattrs(
        e, host, [h](char* b, std::size_t n) { return ::llistxattr(h, b, n); },
        [h](const char* k, void* b, std::size_t n) { return ::lgetxattr(h, k, b, n); });
    return nullptr;
  }

  // One lock per directory, and workers take a few files at a time: fewer futex calls.
  void enqueue(const std::vector<ManifestEntry*>& files) {
    if (files.empty()) return;
    bool wake;
    {
      std::lock_guard lock(mu_);
      queue_.insert(queue_.end(), files.begin(), files.end());
      wake = idle_ > 0;
    }
    if (wake) cv_.notify_all();
  }

  void work() {
    constexpr std::size_t kTake = 8;
    ManifestEntry* batch[kTake];
    for (;;) {
      std::size_t n = 0;
      {
        std::unique_lock lock(mu_);
        ++idle_;
        cv_.wait(lock, [this] { return !queue_.empty() || walking_done_ || failed_; });
        --idle_;
        if (failed_ || queue_.empty()) return;
        // Leave work for the others when the queue is short.
        std::size_t take = std::clamp<std::size_t>(queue_.size() / 4, 1, kTake);
        for (; n < take; ++n) {
          batch[n] = queue_.front();
          queue_.pop_front();
        }
      }
      try {
        for (std::size_t i = 0; i < n; ++i) hash_file(*batch[i]);
      } catch (...) {
        fail(std::current_exception());
        return;
      }
    }
  }

  void fail(std::exception_ptr error) {
    {
      std::lock_guard lock(mu_);
      if (!error_) error_ = error;
      failed_ = true;
    }
    cv_.notify_all();
  }

  void hash_file(ManifestEntry& e) {
    const char* rel = e.path.c_str() + 1;  // below the root fd
    int flags = O_RDONLY | (noatime_.load(std::memory_order_relaxed) ? O_NOATIME : 0);
    UniqueFd fd;
    if (have_openat2_) {
      fd.reset(open_beneath(root_.get(), rel, flags));
      if (!fd && errno == EPERM && (flags & O_NOATIME) != 0) {  // O_NOATIME needs ownership
        noatime_ = false;
        fd.reset(open_beneath(root_.get(), rel, O_RDONLY));
      }
    } else {
      // Old kernels: O_NOFOLLOW guards the last component; the upper layer is not being
      // written while a manifest is built.
      fd.reset(::openat(root_.get(), rel, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
      if (!fd && errno == EPERM && (flags & O_NOATIME) != 0) {
        noatime_ = false;
        fd.reset(::openat(root_.get(), rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
      }
    }
    std::string host = upper_ + e.path;
    if (!fd) throw SystemError("open(" + in_quotes(host) + ", O_NOFOLLOW)", errno);
    struct stat st {};
    check_sys(::fstat(fd.get(), &st), "fstat(" + in_quotes(host) + ")");
    fill_from_stat(e, st, options_.strict_times);
    if (e.type != Type::File) {
      throw SystemError("open(" + in_quotes(host) + "): not a regular file any more", ESTALE);
    }
    int f = fd.get();
    read_xattrs(
        e, host, [f](char* b, std::size_t n) { return ::flistxattr(f, b, n); },
        [f](const char* k, void* b, std::size_t n) { return ::fgetxattr(f, k, b, n); });
    e.opaque = false;  // only directories can be opaque
    e.digest = digest_fd(f, e.size).text();
  }

  std::string upper_;
  const ManifestOptions& options_;
  UniqueFd root_;
  dev_t root_dev_ = 0;
  bool have_openat2_ = false;
  std::atomic<bool> noatime_{true};

  std::deque<ManifestEntry> entries_;  // stable addresses: workers fill entries in place

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ManifestEntry*> queue_;
  int idle_ = 0;
  bool walking_done_ = false;
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
};

}  // namespace

Manifest build_manifest(const std::filesystem::path& upper_dir, const ManifestOptions& options) {
  return Walker(upper_dir, options).run();
}

}  // namespace bootstrap
