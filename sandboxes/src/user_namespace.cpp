// Entering the rootless user namespace (see bootstrap/sandbox/user_namespace.hpp). The process
// unshares CLONE_NEWUSER itself, so it stays the one the user started (its pid, its signals,
// its exit status); two helpers forked just before, still outside, write the maps with
// newuidmap/newgidmap (setuid root: they check the ranges against /etc/subuid), since a process
// may only map its own uid into a namespace by itself. Children of this process (check --jobs
// runs the engine again) inherit the namespace; BOOTSTRAP_INVOKING_UID tells them whose it is.
#include "bootstrap/sandbox/user_namespace.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {
namespace {

constexpr const char* kInvokingUid = "BOOTSTRAP_INVOKING_UID";
constexpr const char* kCallerOnly = "BOOTSTRAP_CALLER_ONLY_MAPPING";
constexpr unsigned long kIdsNeeded = 65536;  // ids 1..65536: nobody and nogroup are 65534

// The initial namespace maps every id to itself: "0 0 4294967295".
bool in_initial_user_namespace() {
  std::ifstream in("/proc/self/uid_map");
  unsigned long inside = 1, outside = 1, count = 0;
  in >> inside >> outside >> count;
  return inside == 0 && outside == 0 && count == 4294967295UL;
}

struct State {
  bool entered = false;
  bool caller_only = false;
  uid_t invoking = 0;
};

State& state() {
  static State s = [] {
    State st;
    st.invoking = getuid();
    // Started by a bootstrap already inside its namespace (and still inside it)?
    const char* inherited = std::getenv(kInvokingUid);
    if (inherited != nullptr && getuid() == 0 && !in_initial_user_namespace()) {
      st.entered = true;
      st.invoking = static_cast<uid_t>(std::strtoul(inherited, nullptr, 10));
      st.caller_only = std::getenv(kCallerOnly) != nullptr;
    }
    return st;
  }();
  return s;
}

// The user's name as /etc/subuid names it: from /etc/passwd (the front is a static executable,
// where NSS lookups are not to be trusted), else $LOGNAME or $USER (a directory service's user),
// else the uid itself, which /etc/subuid also accepts.
std::string user_name(uid_t uid) {
  std::ifstream in("/etc/passwd");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name, password, id;
    if (std::getline(fields, name, ':') && std::getline(fields, password, ':') &&
        std::getline(fields, id, ':') && id == std::to_string(uid))
      return name;
  }
  for (const char* var : {"LOGNAME", "USER"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return v;
  }
  return std::to_string(uid);
}

bool on_path(const char* program) {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
    if (access((std::string(dir) + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// The first id after every range already given out in `file`, at least 100000 (useradd's own
// SUB_UID_MIN): where a new range for this user will not overlap anyone's.
unsigned long next_free_id(const std::filesystem::path& file) {
  unsigned long next = 100000;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name, first, count;
    if (!std::getline(fields, name, ':') || !std::getline(fields, first, ':') ||
        !std::getline(fields, count))
      continue;
    unsigned long end =
        std::strtoul(first.c_str(), nullptr, 10) + std::strtoul(count.c_str(), nullptr, 10);
    if (end > next) next = end;
  }
  return next;
}

std::string no_ranges_message(const std::string& name, const std::optional<IdRange>& uids,
                              const std::optional<IdRange>& gids) {
  std::string missing = !uids && !gids ? "/etc/subuid and /etc/subgid have no line"
                        : !uids        ? "/etc/subuid has no line"
                                       : "/etc/subgid has no line";
  if (uids && gids)
    missing = "its ranges in /etc/subuid and /etc/subgid are smaller than " +
              std::to_string(kIdsNeeded) + " ids";
  unsigned long first = std::max(next_free_id("/etc/subuid"), next_free_id("/etc/subgid"));
  std::string range = std::to_string(first) + "-" + std::to_string(first + kIdsNeeded - 1);
  return "user " + name + " has no subordinate ids: " + missing + " '" + name +
         ":FIRST:" + std::to_string(kIdsNeeded) +
         "' (apt, dpkg and useradd inside a Debian image need them); as root: usermod "
         "--add-subuids " +
         range + " --add-subgids " + range + " " + name;
}

void write_proc_file(const char* path, const std::string& text) {
  UniqueFd fd(open(path, O_WRONLY | O_CLOEXEC));
  if (!fd || write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw SystemError(std::string("write(\"") + path + "\", \"" + text + "\")", errno);
}

std::vector<std::string> map_command(const char* program, pid_t pid, unsigned long own,
                                     const IdRange& range) {
  return {program,
          std::to_string(pid),
          "0",
          std::to_string(own),
          "1",
          "1",
          std::to_string(range.first),
          std::to_string(kIdsNeeded)};
}

// A mapper, forked while this process is still outside: it waits for the unshare ('u' on `go`),
// then becomes newuidmap or newgidmap; its output goes to `out`.
pid_t start_mapper(const std::vector<std::string>& argv, int go, int out) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw SystemError("fork()", errno);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char c = 0;
    if (read(go, &c, 1) != 1 || c != 'u') _exit(0);  // the unshare failed: nothing to map
    dup2(out, 1);
    dup2(out, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// The uid and gid maps are written at once, by newuidmap and newgidmap side by side: each is a
// setuid program whose start costs about a millisecond.
void map_through_helpers(uid_t uid, gid_t gid, const IdRange& uids, const IdRange& gids) {
  int go[2], out[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw SystemError("pipe2()", errno);
  UniqueFd go_r(go[0]), go_w(go[1]), out_r(out[0]), out_w(out[1]);
  pid_t self = getpid();
  std::vector<std::string> u = map_command("newuidmap", self, uid, uids);
  std::vector<std::string> g = map_command("newgidmap", self, gid, gids);
  pid_t uid_mapper = start_mapper(u, go_r.get(), out_w.get());
  pid_t gid_mapper = start_mapper(g, go_r.get(), out_w.get());
  go_r.reset();
  out_w.reset();
  int unshared = unshare(CLONE_NEWUSER);
  int err = errno;
  (void)!write(go_w.get(), unshared == 0 ? "uu" : "xx", 2);
  go_w.reset();
  std::string text;
  char buf[512];
  for (ssize_t n; (n = read(out_r.get(), buf, sizeof buf)) > 0;) text.append(buf, n);
  int uid_status = wait_for(uid_mapper);
  int gid_status = wait_for(gid_mapper);
  if (unshared != 0) {
    std::string why = why_user_namespaces_are_refused();
    throw EnvironmentError("cannot enter a user namespace: unshare(CLONE_NEWUSER): " +
                           errno_text(err) + (why.empty() ? "" : "; " + why));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (uid_status != 0 || gid_status != 0) {
    const auto& failed = uid_status != 0 ? u : g;
    throw EnvironmentError("cannot map the user namespace's ids: " + joined(failed) +
                           " exited with status " +
                           std::to_string(uid_status != 0 ? uid_status : gid_status) +
                           (text.empty() ? "" : ": " + text));
  }
}

void map_caller_only(uid_t uid, gid_t gid) {
  if (unshare(CLONE_NEWUSER) != 0) {
    int err = errno;
    std::string why = why_user_namespaces_are_refused();
    throw EnvironmentError("cannot enter a user namespace: unshare(CLONE_NEWUSER): " +
                           errno_text(err) + (why.empty() ? "" : "; " + why));
  }
  write_proc_file("/proc/self/setgroups", "deny");
  write_proc_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
  write_proc_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
}

std::string read_knob(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string value;
  in >> value;
  return value;
}

}  // namespace

std::optional<IdRange> subordinate_range(const std::filesystem::path& file, const std::string& user,
                                         uid_t uid) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name, first, count;
    if (!std::getline(fields, name, ':') || !std::getline(fields, first, ':') ||
        !std::getline(fields, count))
      continue;
    if (name != user && name != std::to_string(uid)) continue;
    char* end = nullptr;
    IdRange r;
    r.first = std::strtoul(first.c_str(), &end, 10);
    if (end == first.c_str() || *end != '\0') continue;
    r.count = std::strtoul(count.c_str(), &end, 10);
    if (end == count.c_str() || *end != '\0' || r.count == 0) continue;
    return r;
  }
  return std::nullopt;
}

void enter_user_namespace(Mapping need) {
  State& s = state();
  if (s.entered || geteuid() == 0) return;
  uid_t uid = getuid();
  gid_t gid = getgid();
  std::string name = user_name(uid);
  std::optional<IdRange> uids = subordinate_range("/etc/subuid", name, uid);
  std::optional<IdRange> gids = subordinate_range("/etc/subgid", name, uid);
  bool ranges = uids && gids && uids->count >= kIdsNeeded && gids->count >= kIdsNeeded;
  if (!ranges && need == Mapping::Full) throw EnvironmentError(no_ranges_message(name, uids, gids));
  if (ranges && !(on_path("newuidmap") && on_path("newgidmap")))
    throw EnvironmentError(
        "newuidmap and newgidmap are not installed (apt install uidmap): they map user " + name +
        "'s subordinate ids into the sandboxes' user namespace");
  if (ranges) {
    map_through_helpers(uid, gid, *uids, *gids);
  } else {
    map_caller_only(uid, gid);
  }
  if (setresgid(0, 0, 0) != 0) throw SystemError("setresgid(0, 0, 0)", errno);
  if (ranges && setgroups(0, nullptr) != 0) throw SystemError("setgroups(0, NULL)", errno);
  if (setresuid(0, 0, 0) != 0) throw SystemError("setresuid(0, 0, 0)", errno);
  s.entered = true;
  s.caller_only = !ranges;
  s.invoking = uid;
  setenv(kInvokingUid, std::to_string(uid).c_str(), 1);
  if (s.caller_only) setenv(kCallerOnly, "1", 1);
}

bool rootless() { return state().entered; }
bool caller_only_mapping() { return state().caller_only; }
uid_t invoking_uid() { return state().invoking; }

const char* overlay_opaque_xattr() {
  return rootless() ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

std::string why_user_namespaces_are_refused(const std::filesystem::path& proc_sys) {
  if (read_knob(proc_sys / "user/max_user_namespaces") == "0")
    return "user namespaces are disabled: user.max_user_namespaces = 0 (as root: sysctl -w "
           "user.max_user_namespaces=15000)";
  if (read_knob(proc_sys / "kernel/unprivileged_userns_clone") == "0")
    return "this kernel refuses user namespaces to users: kernel.unprivileged_userns_clone = 0 "
           "(as root: sysctl -w kernel.unprivileged_userns_clone=1)";
  if (read_knob(proc_sys / "kernel/apparmor_restrict_unprivileged_userns") == "1")
    return "AppArmor restricts unprivileged user namespaces: "
           "kernel.apparmor_restrict_unprivileged_userns = 1 (as root: sysctl -w "
           "kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for bootstrap "
           "with 'userns,')";
  return "";
}

}  // namespace bootstrap::sandbox
