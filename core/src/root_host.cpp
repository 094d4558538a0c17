#include "bootstrap/root_host.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

#include "bootstrap/openat2.hpp"
#include "bootstrap/system_error.hpp"
#include "process/output.hpp"
#include "process/spawn.hpp"

namespace bootstrap {
namespace {

// Relative form of an absolute target path: "/etc/x" -> "etc/x", "/" -> ".".
std::string relative(const std::string& path) {
  if (path.empty() || path.front() != '/')
    throw std::invalid_argument("path in the target must be absolute: '" + path + "'");
  std::size_t i = path.find_first_not_of('/');
  return i == std::string::npos ? "." : path.substr(i);
}

int open_in_root(int root_fd, const std::string& path, int flags, mode_t mode = 0) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = relative(path);
  return openat2_retrying(root_fd, rel.c_str(), how);
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

void remove_tree_at(int dir_fd, const std::string& name, const std::string& shown) {
  if (unlinkat(dir_fd, name.c_str(), 0) == 0) return;
  if (errno != EISDIR && errno != EPERM)
    throw SystemError("unlinkat(" + in_quotes(shown) + ")", errno);
  int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw SystemError("openat(" + in_quotes(shown) + ", O_DIRECTORY|O_NOFOLLOW)", errno);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    throw SystemError("fdopendir(" + in_quotes(shown) + ")", errno);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  try {
    for (const auto& n : names) remove_tree_at(dirfd(dir), n, shown + "/" + n);
  } catch (...) {
    closedir(dir);
    throw;
  }
  closedir(dir);
  if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0)
    throw SystemError("unlinkat(" + in_quotes(shown) + ", AT_REMOVEDIR)", errno);
}

FileType type_of(mode_t m) {
  if (S_ISREG(m)) return FileType::Regular;
  if (S_ISDIR(m)) return FileType::Directory;
  if (S_ISLNK(m)) return FileType::Symlink;
  return FileType::Other;
}

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"$\\") == std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

std::string output_tail(std::string_view output, std::size_t count) {
  std::vector<std::string_view> lines;
  while (!output.empty()) {
    auto nl = output.find('\n');
    lines.push_back(output.substr(0, nl));
    if (nl == std::string_view::npos) break;
    output.remove_prefix(nl + 1);
  }
  std::string tail;
  std::size_t first = lines.size() > count ? lines.size() - count : 0;
  for (std::size_t i = first; i < lines.size(); ++i) tail += "\n  | " + std::string(lines[i]);
  return tail;
}

void throw_command_failed(const Command& command, const CommandResult& result,
                          const std::string& why) {
  std::string tail = output_tail(result.output);
  std::string status = !why.empty() ? why
                       : result.exit_status > 128
                           ? "killed by signal " + std::to_string(result.exit_status - 128)
                           : "exit status " + std::to_string(result.exit_status);
  throw std::runtime_error(
      "command failed (" + status + "): " + command_line(command.argv) +
      (tail.empty() ? std::string("\n  (no output)") : "\n  last output:" + tail));
}

RootHost::RootHost(std::filesystem::path root, LogSink log)
    : root_(std::move(root)), log_(std::move(log)) {
  root_fd_.reset(open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_)
    throw SystemError("open(" + in_quotes(root_.string()) + ", O_PATH|O_DIRECTORY)", errno);
}

std::pair<UniqueFd, std::string> RootHost::open_parent(const std::string& path) {
  std::string rel = relative(path);
  if (rel == ".") throw std::invalid_argument("cannot change the root directory itself");
  while (!rel.empty() && rel.back() == '/') rel.pop_back();
  auto slash = rel.rfind('/');
  std::string parent = slash == std::string::npos ? "/" : "/" + rel.substr(0, slash);
  std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
  if (base == "." || base == "..")
    throw std::invalid_argument("bad path in the target: '" + path + "'");
  int fd = open_in_root(root_fd_.get(), parent, O_PATH | O_DIRECTORY);
  if (fd < 0) throw SystemError("openat2(" + in_quotes(parent) + ", RESOLVE_IN_ROOT)", errno);
  return {UniqueFd(fd), base};
}

FileStat RootHost::stat(const std::string& path) {
  FileStat out;
  struct stat st {};
  if (relative(path) == ".") {
    if (fstat(root_fd_.get(), &st) != 0) throw SystemError("fstat(root)", errno);
  } else {
    std::string rel = relative(path);
    auto slash = rel.rfind('/');
    std::string parent = slash == std::string::npos ? "/" : "/" + rel.substr(0, slash);
    std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
    UniqueFd dir(open_in_root(root_fd_.get(), parent, O_PATH | O_DIRECTORY));
    if (!dir) {
      if (errno == ENOENT || errno == ENOTDIR) return out;
      throw SystemError("openat2(" + in_quotes(parent) + ", RESOLVE_IN_ROOT)", errno);
    }
    if (fstatat(dir.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return out;
      throw SystemError("fstatat(" + in_quotes(path) + ", AT_SYMLINK_NOFOLLOW)", errno);
    }
  }
  out.type = type_of(st.st_mode);
  out.mode = st.st_mode & 07777;
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  out.size = static_cast<std::uint64_t>(st.st_size);
  return out;
}

std::optional<std::string> RootHost::read_file(const std::string& path) {
  UniqueFd fd(open_in_root(root_fd_.get(), path, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw SystemError("openat2(" + in_quotes(path) + ", O_RDONLY, RESOLVE_IN_ROOT)", errno);
  }
  std::string out;
  std::array<char, 65536> buf;
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SystemError("read(" + in_quotes(path) + ")", errno);
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

std::string RootHost::read_link(const std::string& path) {
  auto [dir, base] = open_parent(path);
  std::array<char, 4096> buf;
  ssize_t n = readlinkat(dir.get(), base.c_str(), buf.data(), buf.size());
  if (n < 0) throw SystemError("readlinkat(" + in_quotes(path) + ")", errno);
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::vector<std::string> RootHost::list_dir(const std::string& path) {
  int fd = open_in_root(root_fd_.get(), path, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    throw SystemError("openat2(" + in_quotes(path) + ", O_DIRECTORY, RESOLVE_IN_ROOT)", errno);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    throw SystemError("fdopendir(" + in_quotes(path) + ")", errno);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

void RootHost::write_file(const std::string& path, std::string_view content, unsigned mode,
                          uid_t uid, gid_t gid) {
  auto [dir, base] = open_parent(path);
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string tmp = ".bootstrap-" + std::to_string(rng() % 1000000000) + "-" + base;
  if (tmp.size() > 255) tmp = tmp.substr(0, 255);
  UniqueFd fd(
      openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw SystemError("openat(" + in_quotes(path) + " temporary, O_CREAT|O_EXCL)", errno);
  try {
    std::size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw SystemError("write(" + in_quotes(path) + ")", errno);
      }
      done += static_cast<std::size_t>(n);
    }
    if (fchown(fd.get(), uid, gid) != 0)
      throw SystemError("fchown(" + in_quotes(path) + ")", errno);
    if (fchmod(fd.get(), mode) != 0) throw SystemError("fchmod(" + in_quotes(path) + ")", errno);
    if (fsync(fd.get()) != 0) throw SystemError("fsync(" + in_quotes(path) + ")", errno);
    if (renameat(dir.get(), tmp.c_str(), dir.get(), base.c_str()) != 0)
      throw SystemError("renameat(" + in_quotes(path) + ")", errno);
  } catch (...) {
    unlinkat(dir.get(), tmp.c_str(), 0);
    throw;
  }
}

void RootHost::make_dir(const std::string& path, unsigned mode, uid_t uid, gid_t gid) {
  auto [dir, base] = open_parent(path);
  if (mkdirat(dir.get(), base.c_str(), 0700) != 0)
    throw SystemError("mkdirat(" + in_quotes(path) + ")", errno);
  UniqueFd fd(openat(dir.get(), base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw SystemError("openat(" + in_quotes(path) + ", O_DIRECTORY|O_NOFOLLOW)", errno);
  if (fchown(fd.get(), uid, gid) != 0) throw SystemError("fchown(" + in_quotes(path) + ")", errno);
  if (fchmod(fd.get(), mode) != 0) throw SystemError("fchmod(" + in_quotes(path) + ")", errno);
}

void RootHost::make_symlink(const std::string& path, const std::string& target) {
  auto [dir, base] = open_parent(path);
  if (symlinkat(target.c_str(), dir.get(), base.c_str()) != 0)
    throw SystemError("symlinkat(" + in_quotes(target) + ", " + in_quotes(path) + ")", errno);
}

void RootHost::set_owner(const std::string& path, uid_t uid, gid_t gid) {
  auto [dir, base] = open_parent(path);
  if (fchownat(dir.get(), base.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
    throw SystemError("fchownat(" + in_quotes(path) + ", " + std::to_string(uid) + ", " +
                          std::to_string(gid) + ", AT_SYMLINK_NOFOLLOW)",
                      errno);
}

void RootHost::set_mode(const std::string& path, unsigned mode) {
  auto [dir, base] = open_parent(path);
  // AT_SYMLINK_NOFOLLOW: a symlink swapped in is refused instead of followed.
  if (fchmodat(dir.get(), base.c_str(), mode, AT_SYMLINK_NOFOLLOW) != 0)
    throw SystemError("fchmodat(" + in_quotes(path) + ", AT_SYMLINK_NOFOLLOW)", errno);
}

void RootHost::remove(const std::string& path) {
  auto [dir, base] = open_parent(path);
  remove_tree_at(dir.get(), base, path);
}

std::optional<Account> RootHost::user(const std::string& name) {
  auto text = read_file("/etc/passwd");
  if (text)
    if (auto found = find_account(parse_passwd(*text), name)) return found;
  // uid 0 is root on every Linux, even in a tree without /etc/passwd.
  if (name == "root") return Account{"root", 0, 0, "/root", "/bin/sh", {}};
  return std::nullopt;
}

std::optional<Account> RootHost::group(const std::string& name) {
  auto text = read_file("/etc/group");
  if (text)
    if (auto found = find_account(parse_group(*text), name)) return found;
  if (name == "root") return Account{"root", 0, 0, "", "", {}};
  return std::nullopt;
}

CommandResult RootHost::run(const Command& command) {
  int out_pipe[2];
  int in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw SystemError("pipe2()", errno);
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (pipe2(in_pipe, O_CLOEXEC) != 0) throw SystemError("pipe2()", errno);
  UniqueFd in_r(in_pipe[0]), in_w(in_pipe[1]);
  SpawnOptions options;
  options.stdin_fd = in_r.get();
  options.output_fd = out_w.get();
  if (root_ != "/") options.root_fd = root_fd_.get();
  options.root_shown = root_.string();
  Child child = spawn(command, options);
  out_w.reset();
  in_r.reset();
  if (command.stdin_data.empty()) in_w.reset();
  double limit = command.timeout_seconds > 0 ? command.timeout_seconds : kDefaultCommandTimeout;
  CommandResult result;
  if (!collect_output(child, out_r, in_w, command.stdin_data, limit, result.output)) {
    terminate(child, 2.0);
    CommandResult timed_out{128 + SIGKILL, std::move(result.output)};
    throw_command_failed(command, timed_out,
                         "timed out after " + seconds_text(limit) + " and was killed");
  }
  result.exit_status = wait_for(child);
  return result;
}

namespace {
// Package steps need a Debian system in the target; say so instead of failing on a missing tool.
void require_dpkg(RootHost& host) {
  if (host.stat("/var/lib/dpkg/status").type == FileType::Regular) return;
  throw std::runtime_error(
      "the target " + host.root().string() +
      " has no dpkg database (/var/lib/dpkg/status): installing Debian packages "
      "needs a Debian root; try 'apply --image IMAGE' or 'check', or '--only' "
      "to apply the other steps");
}
}  // namespace

std::vector<std::string> RootHost::missing_packages(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  require_dpkg(*this);
  Command query;
  query.argv = {"dpkg-query", "-W", "-f=${Package}\t${db:Status-Abbrev}\n"};
  query.argv.insert(query.argv.end(), names.begin(), names.end());
  CommandResult r = run(query);
  std::vector<std::string> installed;
  std::string_view out = r.output;
  while (!out.empty()) {
    auto nl = out.find('\n');
    std::string_view line = out.substr(0, nl);
    auto tab = line.find('\t');
    if (tab != std::string_view::npos && line.substr(tab + 1, 2) == "ii")
      installed.emplace_back(line.substr(0, tab));
    if (nl == std::string_view::npos) break;
    out.remove_prefix(nl + 1);
  }
  std::vector<std::string> missing;
  for (const auto& n : names) {
    std::string bare = n.substr(0, n.find('='));
    if (std::find(installed.begin(), installed.end(), bare) == installed.end())
      missing.push_back(n);
  }
  return missing;
}

void RootHost::install_packages(const std::vector<std::string>& names, bool recommends) {
  if (names.empty()) return;
  require_dpkg(*this);
  Command install;
  install.argv = {"apt-get", "install", "-y", "-q", "-o", "Dpkg::Use-Pty=0"};
  if (!recommends) install.argv.push_back("--no-install-recommends");
  install.argv.insert(install.argv.end(), names.begin(), names.end());
  CommandResult r = run(install);
  if (!r.ok()) throw_command_failed(install, r);
}

void RootHost::log(LogLevel level, std::string_view message) {
  if (log_) log_(level, message);
}

}  // namespace bootstrap
