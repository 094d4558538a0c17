// The overlay root: lowers = [sandbox layer] + caller's layers + image, upper = what changes.
// Mounted with metacopy, redirect_dir, index and xino off so an upper layer is self-contained:
// plain files, whiteouts as char 0/0, opaque dirs as trusted.overlay.opaque="y" (rootless:
// user.overlay.opaque, with `userxattr`).
//
// The sandbox layer is a tiny read-only top layer on the staging tmpfs holding /etc/resolv.conf,
// /etc/hostname and /usr/sbin/policy-rc.d: they exist in the merged view without a mount point
// or a write to the upper, so they are never part of a result (scrub_upper removes them if the
// run itself rewrote them). A tmpfs upper, which vanishes with the sandbox, holds them itself.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

// Metadata of `path` as the merged view shows it: the top-most lower that has an entry.
// nullopt when no lower has it, or it is not a plain directory (a symlink, a whiteout...).
std::optional<struct stat> lower_dir(const std::vector<int>& lower_fds, const std::string& path) {
  for (int lower : lower_fds) {
    struct stat st {};
    try {
      UniqueFd fd = open_beneath(lower, path, O_PATH | O_NOFOLLOW);
      if (fstat(fd.get(), &st) != 0) return std::nullopt;
    } catch (const SystemError& e) {
      if (e.error_number() == ENOENT) continue;
      return std::nullopt;  // ELOOP: a symlink on the way; ENOTDIR...
    }
    if (S_ISDIR(st.st_mode)) return st;
    return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::string> parents(const std::string& path) {
  std::vector<std::string> out;
  for (std::size_t i = path.find('/'); i != std::string::npos; i = path.find('/', i + 1))
    out.push_back(path.substr(0, i));
  return out;
}

bool same_inode(int a, int b) {
  struct stat sa {
  }, sb{};
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// Is `inner` (a directory) inside `outer` on the same filesystem? Walks ".." upwards.
bool inside(int outer, int inner) {
  struct stat so {
  }, si{};
  if (fstat(outer, &so) != 0 || fstat(inner, &si) != 0 || so.st_dev != si.st_dev) return false;
  UniqueFd cur(fcntl(inner, F_DUPFD_CLOEXEC, 0));
  for (int depth = 0; depth < 4096; ++depth) {
    struct stat sc {};
    if (fstat(cur.get(), &sc) != 0 || sc.st_dev != so.st_dev) return false;
    if (sc.st_ino == so.st_ino) return true;
    UniqueFd up(openat(cur.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!up || same_inode(up.get(), cur.get())) return false;
    cur = std::move(up);
  }
  return false;
}

}  // namespace

std::vector<bool> lowers_containing_layers(const std::vector<int>& lower_fds, int upper_fd,
                                           int work_fd) {
  std::vector<bool> out(lower_fds.size(), false);
  for (std::size_t i = 0; i < lower_fds.size(); ++i) {
    for (std::size_t j = 0; j < lower_fds.size() && !out[i]; ++j) {
      if (i != j && inside(lower_fds[i], lower_fds[j])) out[i] = true;
    }
    if (upper_fd >= 0 && inside(lower_fds[i], upper_fd)) out[i] = true;
    if (work_fd >= 0 && inside(lower_fds[i], work_fd)) out[i] = true;
  }
  return out;
}

std::vector<SandboxFile> sandbox_files(const std::string& hostname) {
  std::ifstream in("/etc/resolv.conf");
  std::stringstream resolv;
  resolv << in.rdbuf();
  return {
      {"etc/resolv.conf", resolv.str(), 0644},
      {"etc/hostname", hostname + "\n", 0644},
      {"usr/sbin/policy-rc.d",
       "#!/bin/sh\n# bootstrap: installing a package inside a sandbox starts no service.\nexit "
       "101\n",
       0755},
  };
}

void make_sandbox_layer_in_child(int layer, const std::vector<int>& lower_fds,
                                 const std::vector<SandboxFile>& files) {
  for (const SandboxFile& f : files) {
    bool ok = true;
    std::vector<std::pair<std::string, struct stat>> dirs;
    for (const std::string& p : parents(f.path)) {
      auto st = lower_dir(lower_fds, p);
      if (!st) {
        ok = false;
        break;
      }
      dirs.emplace_back(p, *st);
    }
    if (!ok) continue;
    for (const auto& [p, st] : dirs) {
      if (mkdirat(layer, p.c_str(), st.st_mode & 07777) != 0) {
        if (errno == EEXIST) continue;
        throw SystemError("mkdirat(layer, \"" + p + "\")", errno);
      }
      // EINVAL: an owner this user namespace does not map (rootless, the host's root seen by
      // the user alone); the layer then only holds files bound over the host's (host_root.cpp).
      if (fchownat(layer, p.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0 &&
          !(errno == EINVAL && rootless()))
        throw SystemError("fchownat(layer, \"" + p + "\")", errno);
      if (fchmodat(layer, p.c_str(), st.st_mode & 07777, 0) != 0)
        throw SystemError("fchmodat(layer, \"" + p + "\")", errno);
    }
    UniqueFd out(openat(layer, f.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        f.mode));
    if (!out) throw SystemError("openat(layer, \"" + f.path + "\", O_CREAT)", errno);
    if (write(out.get(), f.content.data(), f.content.size()) !=
        static_cast<ssize_t>(f.content.size()))
      throw SystemError("write(layer, \"" + f.path + "\")", errno);
    if (fchmod(out.get(), f.mode) != 0)
      throw SystemError("fchmod(layer, \"" + f.path + "\")", errno);
  }
}

void mount_overlay_in_child(const std::string& target, const std::vector<std::string>& lowers,
                            const std::string& upper, const std::string& work) {
  std::string opts = "lowerdir=";
  for (std::size_t i = 0; i < lowers.size(); ++i) opts += (i ? ":" : "") + lowers[i];
  opts += ",upperdir=" + upper + ",workdir=" + work;
  // Rootless, overlay keeps its marks in user.overlay.* and may not follow redirects (which
  // need trusted.*); nothing here makes any.
  opts += rootless() ? ",userxattr,metacopy=off,redirect_dir=nofollow,index=off,xino=off"
                     : ",metacopy=off,redirect_dir=off,index=off,xino=off";
  // nodev: a device node made in the root (CAP_MKNOD is kept for dpkg) opens nothing.
  if (mount("overlay", target.c_str(), "overlay", MS_NODEV, opts.c_str()) != 0)
    throw SystemError("mount(\"overlay\", \"" + target + "\", \"overlay\", \"" + opts + "\")",
                      errno);
}

std::string wrapped_lower_in_child(int stage, const std::string& name, int lower_fd) {
  std::string inner = std::string(kStagingDir) + "/" + name;
  if (mkdirat(stage, name.c_str(), 0755) != 0)
    throw SystemError("mkdirat(\"" + inner + "\")", errno);
  std::string opts = "lowerdir=" + fd_path(lower_fd) + ":" + kStagingDir + "/empty";
  if (mount("overlay", inner.c_str(), "overlay", MS_RDONLY, opts.c_str()) != 0)
    throw SystemError("mount(\"overlay\", \"" + inner + "\", \"overlay\", \"" + opts + "\")",
                      errno);
  return inner;
}

namespace {

// Each lower's directory at `path`, where it has one (never through a symlink; into a mounted
// filesystem, which is the point).
std::vector<UniqueFd> lowers_at(const std::vector<int>& lower_fds, const std::string& path) {
  std::vector<UniqueFd> out;
  for (int lower : lower_fds) {
    try {
      out.push_back(open_beneath(lower, path, O_PATH | O_DIRECTORY));
    } catch (const SystemError& e) {
      if (e.error_number() != ENOENT && e.error_number() != ENOTDIR && e.error_number() != ELOOP)
        throw;
    }
  }
  if (out.empty())
    throw SystemError("openat2(lower, \"" + path + "\") (a submount no layer has)", ENOENT);
  return out;
}

// The upper and work directories of submount `index`: its own, or a pair on the staging tmpfs.
std::pair<UniqueFd, UniqueFd> submount_dirs(int stage, std::size_t index, const Submount& m) {
  if (!m.upper.empty()) {
    UniqueFd upper(open(m.upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!upper) throw SystemError("open(\"" + m.upper.string() + "\") (submount upper)", errno);
    UniqueFd work(open(m.work.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!work) throw SystemError("open(\"" + m.work.string() + "\") (submount work dir)", errno);
    return {std::move(upper), std::move(work)};
  }
  std::string dir = "sub" + std::to_string(index);
  for (const std::string& d : {dir, dir + "/upper", dir + "/work"})
    if (mkdirat(stage, d.c_str(), 0755) != 0)
      throw SystemError("mkdirat(staging, \"" + d + "\")", errno);
  UniqueFd upper(openat(stage, (dir + "/upper").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  UniqueFd work(openat(stage, (dir + "/work").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!upper || !work) throw SystemError("openat(staging, \"" + dir + "\")", errno);
  return {std::move(upper), std::move(work)};
}

}  // namespace

void mount_submount_in_child(int root, int stage, std::size_t index,
                             const std::vector<int>& lower_fds, const Submount& m) {
  std::vector<UniqueFd> lowers = lowers_at(lower_fds, m.path);
  auto [upper, work] = submount_dirs(stage, index, m);
  // The overlay's root shows its upper's owner and mode: make them the image's.
  struct stat image {};
  if (fstat(lowers.back().get(), &image) != 0)
    throw SystemError("fstat(\"" + m.path + "\")", errno);
  if (fchown(upper.get(), image.st_uid, image.st_gid) != 0 ||
      fchmod(upper.get(), image.st_mode & 07777) != 0)
    throw SystemError("fchown/fchmod(upper of \"" + m.path + "\")", errno);
  std::vector<int> fds;
  for (const auto& l : lowers) fds.push_back(l.get());
  std::vector<bool> wrap = lowers_containing_layers(fds, upper.get(), work.get());
  std::vector<std::string> layers;
  for (std::size_t i = 0; i < fds.size(); ++i)
    layers.push_back(
        wrap[i] ? wrapped_lower_in_child(
                      stage, "sub" + std::to_string(index) + "-wrap" + std::to_string(i), fds[i])
                : fd_path(fds[i]));
  UniqueFd target = mount_target_in_root(root, m.path, false);
  mount_overlay_in_child(fd_path(target.get()), layers, fd_path(upper.get()), fd_path(work.get()));
}

void scrub_upper(int upper, const std::vector<int>& lower_fds,
                 const std::vector<SandboxFile>& files) {
  for (const SandboxFile& f : files) {
    std::size_t slash = f.path.rfind('/');
    std::string dir = f.path.substr(0, slash), name = f.path.substr(slash + 1);
    int dfd = -1;
    try {
      dfd = open_beneath(upper, dir, O_RDONLY | O_DIRECTORY).release();
    } catch (const SystemError&) {
      continue;  // not in the upper, or not a plain path: nothing of ours is there
    }
    UniqueFd d(dfd);
    struct stat st {};
    if (fstatat(d.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
      if (unlinkat(d.get(), name.c_str(), 0) != 0)
        throw SystemError("unlinkat(upper, \"" + f.path + "\")", errno);
    }
    // Parents that were only copied up for this file: empty, not opaque, metadata as below.
    auto ps = parents(f.path);
    for (auto it = ps.rbegin(); it != ps.rend(); ++it) {
      int pfd = -1;
      try {
        pfd = open_beneath(upper, *it, O_RDONLY | O_DIRECTORY).release();
      } catch (const SystemError&) {
        break;
      }
      UniqueFd p(pfd);
      struct stat ps_st {};
      if (fstat(p.get(), &ps_st) != 0) break;
      auto lower = lower_dir(lower_fds, *it);
      if (!lower || lower->st_mode != ps_st.st_mode || lower->st_uid != ps_st.st_uid ||
          lower->st_gid != ps_st.st_gid)
        break;
      char v;
      if (fgetxattr(p.get(), overlay_opaque_xattr(), &v, 1) >= 0) break;
      if (unlinkat(upper, it->c_str(), AT_REMOVEDIR) != 0) break;  // not empty: a real change
    }
  }
}

}  // namespace bootstrap::sandbox
