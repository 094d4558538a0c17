// Images: `host` (this machine's root, read-only) and `debian:<release>` built by mmdebstrap
// from the machine's own apt sources into <cache>/images/debian-<release>/:
//
//   root/         the tree (the lowest overlay layer)
//   image.json    name, release, digest, size, build time, mirror
//
// A build runs under <cache>/images/debian-<release>.lock, into .tmp-debian-<release>-XXXXXX,
// renamed into place only when complete: a failed build removes its directory, a killed one
// leaves it to collect_garbage (the lock is free once the builder is dead).
#include "bootstrap/sandbox/images.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "bootstrap/digest.hpp"
#include "bootstrap/iso_time.hpp"
#include "bootstrap/openat2.hpp"
#include "bootstrap/sandbox/apt_sources.hpp"
#include "bootstrap/sandbox/interrupt.hpp"
#include "bootstrap/sandbox/lock.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"

namespace fs = std::filesystem;

namespace bootstrap::sandbox {
namespace {

constexpr const char* kReleases[] = {"bullseye", "bookworm", "trixie"};
constexpr const char* kVariant = "minbase";
// How images are made; an image made another way is made again. 2: /usr merged on every release,
// as Debian's installer has made bullseye hosts (mmdebstrap merges bookworm and later itself;
// an unmerged bullseye cannot be upgraded in an overlay: usrmerge refuses overlayfs).
constexpr int kRecipe = 2;

struct ImageName {
  bool host = false;
  std::string release;
  std::string dir;  // "debian-bookworm"
  fs::path tree;    // dir:PATH: a root tree of the user's (an export, an unpacked image)
};

ImageName parse_name(const std::string& name) {
  if (name == "host") return {true, "", "", {}};
  if (name.rfind("dir:", 0) == 0) {
    std::error_code ec;
    fs::path tree = fs::canonical(name.substr(4), ec);
    if (ec || !fs::is_directory(tree))
      throw std::runtime_error("image '" + name + "': " + name.substr(4) +
                               " is not a directory (dir:PATH names a root tree)");
    return {false, "", "", tree};
  }
  if (name.rfind("debian:", 0) == 0) {
    std::string rel = name.substr(7);
    for (const char* r : kReleases) {
      if (rel == r) return {false, rel, "debian-" + rel, {}};
    }
  }
  throw std::runtime_error("unknown image '" + name +
                           "': use host, debian:bullseye, debian:bookworm, debian:trixie or "
                           "dir:PATH");
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A field of root's os-release (/etc/os-release is a relative symlink on Debian: followed
// inside the root, never out of it).
std::string os_release_field(const fs::path& root, const std::string& key) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  UniqueFd fd(root_fd ? openat2_retrying(root_fd.get(), "etc/os-release", how) : -1);
  if (!fd) return "";
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) != 0) continue;
    std::string v = line.substr(key.size() + 1);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

// Image digests are written "xxh128:<hex>" (the same XXH3-128 as bootstrap/digest.hpp).
std::string image_digest(const Digest& d) { return "xxh128:" + d.hex(); }

std::string digest_of(const std::string& data) { return image_digest(digest_bytes(data)); }

// The digest of `files`' contents one after the other (a missing file counts as empty), read a
// piece at a time: a host's dpkg status is most of a megabyte, and `run host` asks at every
// start. Equal to digest_of() of the files' contents joined.
std::string digest_of_files(std::initializer_list<fs::path> files) {
  Hasher hasher;
  for (const fs::path& file : files) {
    UniqueFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT) continue;
      throw SystemError("open(\"" + file.string() + "\")", errno);
    }
    hasher.update_fd(fd.get());
  }
  return image_digest(hasher.finish());
}

std::uint64_t disk_usage(const fs::path& root) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (lstat(it->path().c_str(), &st) == 0)
      total += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

Image image_from(const std::string& name, const fs::path& dir, const nlohmann::json& j) {
  Image img;
  img.name = name;
  img.release = j.value("release", "");
  img.root = dir / "root";
  img.digest = j.value("digest", "");
  img.size_bytes = j.value("size_bytes", std::uint64_t{0});
  img.built_at = j.value("built_at", "");
  return img;
}

Image load_image(const std::string& name, const fs::path& dir) {
  return image_from(name, dir, nlohmann::json::parse(read_text(dir / "image.json")));
}

Image host_image() { return root_image("/", "host"); }

// bullseye: usrmerge converts the tree while it is a plain directory (mmdebstrap's merged-usr
// hook is for bookworm and later).
constexpr const char* kMergedUsrHook = "--include=usrmerge";

// The image in `dir` if it was made by this recipe (its image.json read once).
std::optional<Image> current_image(const std::string& name, const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "image.json", ec)) return std::nullopt;
  auto j = nlohmann::json::parse(read_text(dir / "image.json"), nullptr, false);
  if (j.is_discarded() || j.value("recipe", 1) != kRecipe) return std::nullopt;
  return image_from(name, dir, j);
}

bool have_program(const std::string& name) {
  const char* path = getenv("PATH");
  std::istringstream in(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string dir; std::getline(in, dir, ':');) {
    if (access((fs::path(dir) / name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Runs mmdebstrap as pid 1 of new mount and pid namespaces: the /proc, /sys and /dev it mounts
// into the target never reach the host's mount table, and if bootstrap dies (PDEATHSIG) the
// whole build dies with it. Each output line goes to `progress`; the tail is kept for errors.
int run_builder(const std::vector<std::string>& argv, const Progress& progress,
                std::deque<std::string>& tail) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw SystemError("pipe2()", errno);
  UniqueFd r(out[0]), w(out[1]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  long pid = syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid < 0) throw SystemError("clone(CLONE_NEWNS|CLONE_NEWPID) for mmdebstrap", errno);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(126);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(w.get(), 1);
    dup2(w.get(), 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  w.reset();
  track_sandbox(static_cast<pid_t>(pid));  // pid 1 of its namespace: killed on Ctrl-C
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = read(r.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (progress) progress(line);
      tail.push_back(line);
      if (tail.size() > 20) tail.pop_front();
    }
  }
  if (!pending.empty()) tail.push_back(pending);
  int st = 0;
  while (waitpid(static_cast<pid_t>(pid), &st, 0) < 0 && errno == EINTR) {
  }
  untrack(static_cast<pid_t>(pid));
  throw_if_interrupted();
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string source_line(const std::string& uri, const std::string& signed_by,
                        const std::string& suite) {
  std::string opts = signed_by.empty() ? "" : "[signed-by=" + signed_by + "] ";
  return "deb " + opts + uri + " " + suite + " main";
}

std::string unique_suffix() {
  return std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
}

}  // namespace

fs::path default_cache_root() {
  if (invoking_uid() == 0) return "/var/cache/bootstrap";
  if (const char* xdg = getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return fs::path(xdg) / "bootstrap";
  if (const char* home = getenv("HOME"); home != nullptr && *home != '\0')
    return fs::path(home) / ".cache/bootstrap";
  return "/tmp/bootstrap-cache-" + std::to_string(invoking_uid());
}

ImageStore::ImageStore(fs::path cache_root) : root_(std::move(cache_root)) {}

Image ImageStore::get(const std::string& name, const Progress& progress) {
  ImageName n = parse_name(name);
  if (n.host) return host_image();
  if (!n.tree.empty()) return root_image(n.tree, name);
  fs::path dir = root_ / "images" / n.dir;
  if (auto image = current_image(name, dir)) return *image;
  return build(name, false, progress);
}

Image ImageStore::build(const std::string& name, bool rebuild, const Progress& progress) {
  ImageName n = parse_name(name);
  if (n.host) return host_image();  // nothing to build: it is the live root
  if (!n.tree.empty())
    throw std::runtime_error(name + " is a directory of yours: nothing to build");
  fs::path images = root_ / "images";
  fs::create_directories(images);
  fs::path final_dir = images / n.dir;
  fs::path lock_path = images / (n.dir + ".lock");

  FileLock lock = FileLock::try_acquire(lock_path);
  if (!lock) {
    if (progress) progress("waiting for another build of " + name + " to finish");
    lock = FileLock::acquire(lock_path);
  }
  std::error_code ec;
  if (!rebuild) {
    if (auto image = current_image(name, final_dir)) return *image;
    if (progress && fs::exists(final_dir / "image.json", ec))
      progress("the cached " + name + " image was made another way: building it again");
  }

  if (!have_program("mmdebstrap"))
    throw EnvironmentError(
        "mmdebstrap is not installed (apt install mmdebstrap): it builds the debian images");
  DebianMirrors mirrors = find_debian_mirrors(read_apt_sources());

  std::string templ = (images / (".tmp-" + n.dir + "-XXXXXX")).string();
  if (mkdtemp(templ.data()) == nullptr) throw SystemError("mkdtemp(\"" + templ + "\")", errno);
  fs::path tmp = templ;
  try {
    std::vector<std::string> argv = {
        "mmdebstrap",
        std::string("--variant=") + kVariant,
        "--mode=root",
        "--format=directory",
        "--aptopt=Acquire::Retries \"3\"",
        n.release,
        (tmp / "root").string(),
        source_line(mirrors.archive, mirrors.archive_signed_by, n.release)};
    if (n.release == "bullseye") argv.insert(argv.begin() + 1, kMergedUsrHook);
    if (!mirrors.security.empty())
      argv.push_back(
          source_line(mirrors.security, mirrors.security_signed_by, n.release + "-security"));
    if (progress) progress("building " + name + " with mmdebstrap from " + mirrors.archive);
    std::deque<std::string> tail;
    int rc = run_builder(argv, progress, tail);
    if (rc != 0) {
      std::string msg =
          "mmdebstrap failed (status " + std::to_string(rc) + ") building " + name + ":";
      for (const auto& l : tail) msg += "\n  " + l;
      throw std::runtime_error(msg);
    }
    std::string built_at = iso_now();
    nlohmann::json j = {
        {"name", name},
        {"release", n.release},
        {"variant", kVariant},
        {"recipe", kRecipe},
        {"mirror", mirrors.archive},
        {"built_at", built_at},
        {"digest", digest_of(n.release + "\n" + built_at + "\n" +
                             read_text(tmp / "root/var/lib/dpkg/status"))},
        {"size_bytes", disk_usage(tmp / "root")},
    };
    {
      std::ofstream out(tmp / "image.json");
      out << j.dump(2) << "\n";
      if (!out) throw std::runtime_error("cannot write " + (tmp / "image.json").string());
    }
    sync();  // the rename below must not publish a tree that a crash could leave half-written
    if (fs::exists(final_dir, ec)) {
      if (syscall(SYS_renameat2, AT_FDCWD, tmp.c_str(), AT_FDCWD, final_dir.c_str(),
                  RENAME_EXCHANGE) != 0)
        throw SystemError(
            "renameat2(\"" + tmp.string() + "\", \"" + final_dir.string() + "\", RENAME_EXCHANGE)",
            errno);
      remove_tree(tmp);  // the old image, now under the temporary name
    } else if (rename(tmp.c_str(), final_dir.c_str()) != 0) {
      throw SystemError("rename(\"" + tmp.string() + "\", \"" + final_dir.string() + "\")", errno);
    }
  } catch (...) {
    try {
      remove_tree(tmp);
    } catch (...) {
    }
    throw;
  }
  if (progress) progress("built " + name);
  return load_image(name, final_dir);
}

Image root_image(const fs::path& root, const std::string& name) {
  Image img;
  img.name = name;
  img.release = os_release_field(root, "VERSION_CODENAME");
  img.root = root;
  img.digest = digest_of_files({root / "etc/os-release", root / "var/lib/dpkg/status"});
  img.submounts = mounts_under(root, {default_cache_root()});
  return img;
}

std::vector<Submount> submounts_of(const Image& image) {
  std::vector<Submount> out;
  for (const MountPoint& m : image.submounts) out.push_back({m.path, {}, {}});
  return out;
}

std::vector<Image> ImageStore::list() const {
  std::vector<Image> out = {host_image()};
  std::error_code ec;
  for (const char* r : kReleases) {
    fs::path dir = root_ / "images" / (std::string("debian-") + r);
    if (fs::exists(dir / "image.json", ec))
      out.push_back(load_image(std::string("debian:") + r, dir));
  }
  return out;
}

bool ImageStore::remove(const std::string& name) {
  ImageName n = parse_name(name);
  if (n.host)
    throw std::runtime_error("the host image is this machine's root: there is nothing to remove");
  if (!n.tree.empty())
    throw std::runtime_error(name + " is a directory of yours: bootstrap removes only its images");
  fs::path images = root_ / "images";
  fs::path final_dir = images / n.dir;
  std::error_code ec;
  if (!fs::exists(final_dir, ec)) return false;
  FileLock lock = FileLock::acquire(images / (n.dir + ".lock"));
  if (!fs::exists(final_dir, ec)) return false;
  // Renamed away first: the image disappears at once, and an interrupted removal is gc's job.
  fs::path old = images / (".old-" + n.dir + "-" + unique_suffix());
  if (rename(final_dir.c_str(), old.c_str()) != 0)
    throw SystemError("rename(\"" + final_dir.string() + "\", \"" + old.string() + "\")", errno);
  remove_tree(old);
  return true;
}

}  // namespace bootstrap::sandbox
