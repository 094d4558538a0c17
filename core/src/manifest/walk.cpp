// build_manifest: one thread walks the upper directory (getdents; fstat for directories once
// opened, fstatat for what is neither a directory nor a regular file); regular files go to a
// pool that opens (by name, relative to their directory's fd), stats, lists xattrs and hashes
// them.
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "bootstrap/digest.hpp"
#include "bootstrap/manifest.hpp"
#include "bootstrap/openat2.hpp"
#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"
#include "entry_fields.hpp"

namespace bootstrap {
namespace {

using Type = ManifestEntry::Type;
using namespace manifest_fields;

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Opens a path below a directory without following any symlink and without leaving its
// filesystem (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV).
int open_beneath(int dir_fd, const char* relative, int flags) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;
  return openat2_retrying(dir_fd, relative, how);
}

// listxattrat/getxattrat (Linux 6.13): xattrs of a name in a directory, without following it.
// The numbers are the same on every architecture (but alpha); glibc has no wrappers yet.
#ifndef SYS_getxattrat
#define SYS_getxattrat 464
#endif
#ifndef SYS_listxattrat
#define SYS_listxattrat 465
#endif

struct XattrArgs {  // struct xattr_args
  alignas(8) std::uint64_t value;
  std::uint32_t size;
  std::uint32_t flags;
};

ssize_t listxattrat(int dir_fd, const char* name, char* list, std::size_t size) {
  return ::syscall(SYS_listxattrat, dir_fd, name, AT_SYMLINK_NOFOLLOW, list, size);
}

ssize_t getxattrat(int dir_fd, const char* name, const char* key, void* value, std::size_t size) {
  XattrArgs args{reinterpret_cast<std::uintptr_t>(value), static_cast<std::uint32_t>(size), 0};
  return ::syscall(SYS_getxattrat, dir_fd, name, AT_SYMLINK_NOFOLLOW, key, &args, sizeof args);
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
    int fd = openat2_retrying(root_.get(), ".", probe);
    have_openat2_ = fd >= 0;
    if (fd >= 0) ::close(fd);
    // Any failure (ENOSYS, a seccomp filter's EPERM, no xattrs here): the l*xattr calls.
    have_xattrat_ = listxattrat(root_.get(), ".", nullptr, 0) >= 0;
  }

  Manifest run() {
    int threads = options_.threads > 0 ? options_.threads
                                       : static_cast<int>(std::thread::hardware_concurrency());
    threads = std::max(threads, 1);
    // The walking thread is one of the hashing threads: no more threads than cores are busy.
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads - 1));
    try {
      for (int i = 1; i < threads; ++i) pool.emplace_back([this] { work(); });
      walk();
    } catch (...) {
      fail(std::current_exception());
    }
    {
      std::lock_guard lock(mu_);
      walking_done_ = true;
    }
    cv_.notify_all();
    // Every path is known once the walk is done: sort them while the pool hashes (workers
    // write the other fields of the entries, never the path), and make the result's memory
    // (its page faults) then too.
    std::vector<ManifestEntry*> order;
    std::vector<ManifestEntry> out;
    try {
      if (!failed_) {
        order = sorted_entries();
        out.resize(order.size());
      }
    } catch (...) {  // (bad_alloc) the pool must still be joined
      fail(std::current_exception());
    }
    work();  // the walking thread helps with what is left
    for (auto& t : pool) t.join();
    if (error_) std::rethrow_exception(error_);

    // Each entry moved once into place; the Manifest constructor then only checks the order.
    for (std::size_t i = 0; i < order.size(); ++i) out[i] = std::move(*order[i]);
    return Manifest(std::move(out));
  }

 private:
  // A directory being read or with files still to hash. Its fd stays open while anyone holds a
  // reference: the walker while reading it, each queued file, each subdirectory not yet read
  // (opened by name relative to this fd). The last one to let go closes it.
  struct OpenDir {
    UniqueFd fd;
    const ManifestEntry* entry = nullptr;  // nullptr for the root
    std::atomic<int> refs{1};
    std::string_view path() const { return entry != nullptr ? std::string_view(entry->path) : ""; }
  };
  // A directory found but not read yet: opened (then its xattrs read) when the walk gets to it.
  struct Subdir {
    OpenDir* parent;
    ManifestEntry* entry;
    bool stated;  // false: known a directory from getdents; stat'ed through its fd once opened
    dev_t dev;    // another filesystem's root is recorded, not descended into
  };
  struct Job {
    ManifestEntry* entry;
    OpenDir* dir;
  };

  // The walker reads directories until kQueueAhead files wait in the queue, then hashes a batch
  // itself before it reads on: the pool always has work, and both cores of a 2-core machine
  // stay busy without a third thread competing for them (measured: ~10% less wall time than
  // a full pool beside the walker).
  static constexpr std::size_t kQueueAhead = 256;
  // Beyond max_open_dirs() open directories the walker stops reading ahead too, so that a wide
  // tree cannot run the process out of fds. (Open directories are the ones with files in the
  // queue plus the ancestors of subdirectories still to read.)
  static int max_open_dirs() {
    struct rlimit lim {};
    rlim_t soft = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 ? lim.rlim_cur : 1024;
    return static_cast<int>(std::clamp<rlim_t>(soft / 4, 16, 1024));  // 256 at the usual 1024
  }

  std::vector<ManifestEntry*> sorted_entries() {
    std::vector<ManifestEntry*> order;
    order.reserve(entries_.size());
    for (auto& e : entries_) order.push_back(&e);
    std::sort(order.begin(), order.end(),
              [](const ManifestEntry* a, const ManifestEntry* b) { return a->path < b->path; });
    return order;
  }

  void walk() {
    std::vector<Subdir> stack;
    UniqueFd root_copy(::fcntl(root_.get(), F_DUPFD_CLOEXEC, 0));
    if (!root_copy) throw SystemError("dup(" + in_quotes(upper_) + ")", errno);
    read_dir(new_dir(std::move(root_copy), nullptr), stack);
    while (!stack.empty() && !failed_.load(std::memory_order_relaxed)) {
      Subdir sub = stack.back();
      stack.pop_back();
      if (OpenDir* dir = open_subdir(sub)) read_dir(*dir, stack);
      while ((queued_.load(std::memory_order_relaxed) > kQueueAhead ||
              open_dirs_.load(std::memory_order_relaxed) > max_open_dirs_) &&
             help()) {
      }
    }
  }

  OpenDir& new_dir(UniqueFd fd, const ManifestEntry* entry) {
    OpenDir& d = dirs_.emplace_back();
    d.fd = std::move(fd);
    d.entry = entry;
    open_dirs_.fetch_add(1, std::memory_order_relaxed);
    return d;
  }

  void release(OpenDir& dir) {
    if (dir.refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      dir.fd.reset();
      open_dirs_.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  // Opens a subdirectory by its name in its parent, reads its xattrs; returns it when it is to be
  // read (same filesystem), with the walker's reference.
  OpenDir* open_subdir(const Subdir& sub) {
    ManifestEntry& e = *sub.entry;
    const char* name = e.path.c_str() + e.path.rfind('/') + 1;
    UniqueFd fd(
        ::openat(sub.parent->fd.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    int err = errno;
    release(*sub.parent);
    if (!fd) throw SystemError("openat(" + host(e.path) + ", O_DIRECTORY|O_NOFOLLOW)", err);
    int f = fd.get();
    dev_t dev = sub.dev;
    if (!sub.stated) {  // fstat on the fd: no second lookup of the name
      struct stat st {};
      if (::fstat(f, &st) != 0) throw SystemError("fstat(" + host(e.path) + ")", errno);
      fill_from_stat(e, st, options_.strict_times);
      dev = st.st_dev;
    }
    read_xattrs(
        e, [&] { return host(e.path); },
        [f](char* b, std::size_t n) { return ::flistxattr(f, b, n); },
        [f](const char* k, void* b, std::size_t n) { return ::fgetxattr(f, k, b, n); });
    if (dev != root_dev_) return nullptr;  // one filesystem
    return &new_dir(std::move(fd), &e);
  }

  // getdents64 directly: no DIR* allocation and no fcntl per directory. Drops the walker's
  // reference to `dir` when done.
  void read_dir(OpenDir& dir, std::vector<Subdir>& stack) {
    alignas(8) static thread_local char buf[32 * 1024];
    int fd = dir.fd.get();
    std::string_view dir_path = dir.path();
    std::vector<Job> files;
    for (;;) {
      long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw SystemError("getdents64(" + host(dir_path) + ")", errno);
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
        std::string path;
        path.reserve(dir_path.size() + 1 + name.size());
        path.append(dir_path).append(1, '/').append(name);
        if (options_.ignore != nullptr && options_.ignore->matches(path)) continue;
        if (d_type == DT_REG) {
          files.push_back(Job{&add_entry(std::move(path)), &dir});
        } else if (d_type == DT_DIR) {
          dir.refs.fetch_add(1, std::memory_order_relaxed);  // until the subdirectory is opened
          stack.push_back(Subdir{&dir, &add_entry(std::move(path)), false, 0});
        } else if (ManifestEntry* f = inspect(dir, name_ptr, std::move(path), stack)) {
          files.push_back(Job{f, &dir});
        }
      }
    }
    // One reference per queued file; the walker's own keeps the count above zero meanwhile.
    dir.refs.fetch_add(static_cast<int>(files.size()), std::memory_order_relaxed);
    enqueue(files);
    release(dir);
  }

  ManifestEntry& add_entry(std::string path) {
    entries_.emplace_back();
    entries_.back().path = std::move(path);
    return entries_.back();
  }

  // Anything that is not known to be a regular file: stat it here, on the walking thread.
  // Returns the entry when it is a regular file still to be hashed.
  ManifestEntry* inspect(OpenDir& dir, const char* name, std::string path,
                         std::vector<Subdir>& stack) {
    int dir_fd = dir.fd.get();
    struct stat st {};
    if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      throw SystemError("fstatat(" + host(path) + ")", errno);
    }
    ManifestEntry& e = add_entry(std::move(path));
    fill_from_stat(e, st, options_.strict_times);
    switch (e.type) {
      case Type::File:
        return &e;
      case Type::Dir:
        dir.refs.fetch_add(1, std::memory_order_relaxed);  // until the subdirectory is opened
        stack.push_back(Subdir{&dir, &e, true, st.st_dev});
        return nullptr;
      case Type::Symlink: {
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        for (;;) {
          ssize_t n = ::readlinkat(dir_fd, name, target.data(), target.size());
          if (n < 0) throw SystemError("readlinkat(" + host(e.path) + ")", errno);
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
    if (have_xattrat_) {  // by name in the directory: no path walk from / for each one
      read_xattrs(
          e, [&] { return host(e.path); },
          [dir_fd, name](char* b, std::size_t n) { return listxattrat(dir_fd, name, b, n); },
          [dir_fd, name](const char* k, void* b, std::size_t n) {
            return getxattrat(dir_fd, name, k, b, n);
          });
      return nullptr;
    }
    std::string full = upper_ + e.path;  // l*xattr take a path
    const char* h = full.c_str();
    read_xattrs(
        e, [&] { return in_quotes(full); },
        [h](char* b, std::size_t n) { return ::llistxattr(h, b, n); },
        [h](const char* k, void* b, std::size_t n) { return ::lgetxattr(h, k, b, n); });
    return nullptr;
  }

  // One lock per directory, and workers take a few files at a time: fewer futex calls.
  void enqueue(const std::vector<Job>& files) {
    if (files.empty()) return;
    bool wake;
    {
      std::lock_guard lock(mu_);
      queue_.insert(queue_.end(), files.begin(), files.end());
      queued_.store(queue_.size(), std::memory_order_relaxed);
      wake = idle_ > 0;
    }
    if (wake) cv_.notify_all();
  }

  static constexpr std::size_t kTake = 8;

  // Takes up to kTake files off the queue, leaving work for the others when it is short.
  std::size_t take(Job* batch) {
    std::size_t n = std::clamp<std::size_t>(queue_.size() / 4, 1, kTake);
    for (std::size_t i = 0; i < n; ++i) {
      batch[i] = queue_.front();
      queue_.pop_front();
    }
    queued_.store(queue_.size(), std::memory_order_relaxed);
    return n;
  }

  void hash_batch(const Job* batch, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      OpenDir& dir = *batch[i].dir;
      hash_file(*batch[i].entry, dir.fd.get());
      release(dir);
    }
  }

  void work() {
    Job batch[kTake];
    for (;;) {
      std::size_t n = 0;
      {
        std::unique_lock lock(mu_);
        ++idle_;
        cv_.wait(lock, [this] { return !queue_.empty() || walking_done_ || failed_; });
        --idle_;
        if (failed_ || queue_.empty()) return;
        n = take(batch);
      }
      try {
        hash_batch(batch, n);
      } catch (...) {
        fail(std::current_exception());
        return;
      }
    }
  }

  // The walker hashes a batch instead of reading further; false when there is nothing queued.
  bool help() {
    Job batch[kTake];
    std::size_t n = 0;
    {
      std::lock_guard lock(mu_);
      if (failed_ || queue_.empty()) return false;
      n = take(batch);
    }
    hash_batch(batch, n);
    return true;
  }

  void fail(std::exception_ptr error) {
    {
      std::lock_guard lock(mu_);
      if (!error_) error_ = error;
      failed_ = true;
    }
    cv_.notify_all();
  }

  // Opens a file by its name in its directory: one path component, no symlink followed, no
  // mount crossed (openat2 RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV; O_NOFOLLOW and a device check
  // on old kernels).
  void hash_file(ManifestEntry& e, int dir_fd) {
    const char* name = e.path.c_str() + e.path.rfind('/') + 1;
    int flags = O_RDONLY | (noatime_.load(std::memory_order_relaxed) ? O_NOATIME : 0);
    UniqueFd fd;
    if (have_openat2_) {
      fd.reset(open_beneath(dir_fd, name, flags));
      if (!fd && errno == EPERM && (flags & O_NOATIME) != 0) {  // O_NOATIME needs ownership
        noatime_ = false;
        fd.reset(open_beneath(dir_fd, name, O_RDONLY));
      }
    } else {
      fd.reset(::openat(dir_fd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
      if (!fd && errno == EPERM && (flags & O_NOATIME) != 0) {
        noatime_ = false;
        fd.reset(::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
      }
    }
    if (!fd) throw SystemError("open(" + host(e.path) + ", O_NOFOLLOW)", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw SystemError("fstat(" + host(e.path) + ")", errno);
    fill_from_stat(e, st, options_.strict_times);
    if (e.type != Type::File) {
      throw SystemError("open(" + host(e.path) + "): not a regular file any more", ESTALE);
    }
    if (st.st_dev != root_dev_) {  // a mount on a single file (openat2 refuses it already)
      throw SystemError("open(" + host(e.path) + "): on another filesystem", EXDEV);
    }
    int f = fd.get();
    read_xattrs(
        e, [&] { return host(e.path); },
        [f](char* b, std::size_t n) { return ::flistxattr(f, b, n); },
        [f](const char* k, void* b, std::size_t n) { return ::fgetxattr(f, k, b, n); });
    e.opaque = false;  // only directories can be opaque
    e.digest = digest_fd(f, e.size).text();
  }

  // "\"/upper/dir/etc/x\"" for error messages.
  std::string host(std::string_view path) const { return in_quotes(upper_ + std::string(path)); }

  std::string upper_;
  const ManifestOptions& options_;
  UniqueFd root_;
  dev_t root_dev_ = 0;
  bool have_openat2_ = false;
  std::atomic<bool> noatime_{true};
  bool have_xattrat_ = false;  // listxattrat/getxattrat (Linux 6.13)

  std::deque<ManifestEntry> entries_;  // stable addresses: workers fill entries in place
  std::deque<OpenDir> dirs_;           // stable addresses; only the walker adds
  std::atomic<int> open_dirs_{0};
  const int max_open_dirs_ = max_open_dirs();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::atomic<std::size_t> queued_{0};  // queue_.size(), for the walker to read without the lock
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
