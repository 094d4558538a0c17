// Sandbox::start and wait: the orchestration, one line per step (the steps live in their own
// files). The order follows bubblewrap: / private first, overlay, /dev, /proc, the private
// network (made meanwhile by a child of the caller: PrivateNetwork), /sys,
// tmpfs, binds, hostname, pivot_root + detach; then in the main process: session, fds,
// environment, capabilities, no_new_privs, seccomp last, body or exec.
//
// For a command, pid 1 shares the caller's memory (CLONE_VM), as the main process shares pid
// 1's (posix_spawn's way): no page tables are copied, no page is copied on write, and one
// address space is torn down instead of two; `bootstrap run` returns without paying for any
// (pid 1, the last user, does). This is safe the way vfork is: the caller sleeps until pid 1
// reports 'R', which it does once the command has been executed; from then on pid 1 touches
// neither the heap nor errno (the reaper makes raw system calls), and all signals stay blocked
// in it, so no handler of the caller's can run there. One risk is vfork's too: a pid 1 killed
// from outside in that millisecond, while it held the allocator's lock, would leave the caller
// waiting for that lock. A body (check's steps) runs C++ after 'R', so there pid 1 is a fork,
// as it is under AddressSanitizer. Sharing, pid 1 ends only once the caller has exited (or
// after 50 ms), so that the caller's exit does not tear the address space down on its way out.
#include "bootstrap/sandbox/sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "bootstrap/sandbox/interrupt.hpp"
#include "bootstrap/sandbox/network.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "child_stack.hpp"
#include "raw_syscall.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

constexpr const char* kStaging = kStagingDir;  // a tmpfs is mounted here, in the new mount ns only

// Everything the child needs, prepared in the parent so the child only makes syscalls.
struct Plan {
  const Spec* spec = nullptr;
  std::vector<UniqueFd> lowers;
  std::vector<int> lower_fds;
  UniqueFd upper, work;
  bool tmpfs_upper = true;
  std::vector<bool> wrap;  // lowers that contain another layer: mounted through an inner overlay
  std::vector<UniqueFd> bind_sources;
  std::vector<bool> bind_is_dir;
  std::vector<SandboxFile> files;
  int network_end = -1;  // where pid 1 receives its private network (PrivateNetwork)
  std::vector<std::string> env;
  std::vector<char*> envp;
  std::vector<char*> argv;
  std::function<int(int)> body;
  int result_w = -1;
  int status_w = -1;
  sigset_t caller_signals{};    // the caller's signal mask; blocked entirely in pid 1
  bool shares_memory = false;   // pid 1 runs in the caller's memory (see the top of this file)
  bool bind_host_root = false;  // rootless with the host image: see host_root.cpp
};

constexpr std::size_t kChildStack = 256 * 1024;  // pid 1's and the main process's

UniqueFd open_dir(const std::filesystem::path& p, int flags, const char* what) {
  int fd = open(p.c_str(), flags | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw SystemError(std::string("open(\"") + p.string() + "\") (" + what + ")", errno);
  return UniqueFd(fd);
}

std::vector<std::string> clean_environment(const Spec& spec) {
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "DEBIAN_FRONTEND=noninteractive",
      "LC_ALL=C.UTF-8",
      "HOME=/root",
      "SYSTEMD_OFFLINE=1",
  };
  if (spec.interactive) {
    const char* term = getenv("TERM");
    env.push_back(std::string("TERM=") + (term ? term : "xterm"));
  }
  for (const std::string& kv : spec.env) {
    std::string key = kv.substr(0, kv.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    env.push_back(kv);
  }
  return env;
}

[[noreturn]] void fail_in_child(int status_fd, const std::exception& e) {
  const auto* sys = dynamic_cast<const SystemError*>(&e);
  send_record(status_fd, 'E', sys ? sys->error_number() : 0, e.what());
  _exit(125);
}

// The main process: hardening, then the body or the command. It may share pid 1's memory
// (spawn_main_process), so it changes nothing in `plan` (only `environ`, which pid 1 no longer
// reads).
[[noreturn]] void main_in_child(const Plan& plan) {
  const Spec& spec = *plan.spec;
  int status_fd = plan.status_w;
  try {
    umask(022);
    if (!spec.interactive && setsid() < 0) throw SystemError("setsid()", errno);
    // The result pipe becomes fd 3, the status pipe fd 4 (close-on-exec); nothing else survives.
    int r = fcntl(plan.result_w, F_DUPFD_CLOEXEC, 10);
    int s = fcntl(plan.status_w, F_DUPFD_CLOEXEC, 10);
    if (r < 0 || s < 0 || dup3(r, 3, 0) < 0 || dup3(s, 4, O_CLOEXEC) < 0)
      throw SystemError("dup3()", errno);
    status_fd = 4;
    if (syscall(SYS_close_range, 5U, ~0U, 0U) != 0) throw SystemError("close_range(5, ~0)", errno);
    if (!plan.body) close(3);
    if (chdir(spec.cwd.c_str()) != 0) throw SystemError("chdir(\"" + spec.cwd + "\")", errno);
    environ = const_cast<char**>(plan.envp.data());
    if (spec.setuid_programs) {
      // Without no-new-privs the kernel loads a filter only for a holder of CAP_SYS_ADMIN.
      load_seccomp_in_child();  // from here on, no mount, no namespace
      drop_capabilities_in_child();
    } else {
      drop_capabilities_in_child();
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw SystemError("prctl(PR_SET_NO_NEW_PRIVS)", errno);
      load_seccomp_in_child();  // last: from here on, no mount, no namespace
    }
  } catch (const std::exception& e) {
    fail_in_child(status_fd, e);
  }
  if (plan.body) send_record(status_fd, 'R', 0);  // for a command, pid 1 reports once it has exec'd
  close(status_fd);
  // The caller's handlers (its memory, shared or copied: execve resets them only once it
  // succeeds, and a body never execs) stay outside; then the caller's mask, as a child of the
  // caller would have had it.
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction action {};
    if (sigaction(sig, nullptr, &action) != 0 || action.sa_handler == SIG_DFL ||
        action.sa_handler == SIG_IGN)
      continue;
    action.sa_handler = SIG_DFL;
    action.sa_flags = 0;
    sigaction(sig, &action, nullptr);
  }
  sigprocmask(SIG_SETMASK, &plan.caller_signals, nullptr);
  if (plan.body) {
    int rc = 1;
    try {
      rc = plan.body(3);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bootstrap: sandbox body failed: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "bootstrap: sandbox body failed\n");
    }
    std::fflush(nullptr);
    _exit(rc & 0xff);
  }
  execvp(plan.argv[0], plan.argv.data());
  int err = errno;
  std::fprintf(stderr, "bootstrap: %s: %s\n", plan.argv[0], std::strerror(err));
  _exit(err == ENOENT ? 127 : 126);
}

// The main process of a command: posix_spawn's way (CLONE_VM|CLONE_VFORK), so pid 1's memory is
// neither copied nor torn down again for a process that is about to exec. pid 1 is suspended
// until the exec or the exit; main_in_child only runs system calls on memory made for it.
pid_t spawn_main_process(Plan& plan) {
  ChildStack stack(kChildStack, "the main process");  // unused once clone returns (vfork)
  pid_t pid = clone([](void* p) -> int { main_in_child(*static_cast<const Plan*>(p)); },
                    stack.top(), CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  if (pid < 0) throw SystemError("clone(CLONE_VM|CLONE_VFORK)", errno);
  return pid;
}

// The root as an overlay of the layers (the sandbox layer first when the upper is kept).
void mount_layers_in_child(const Plan& plan, int stage, const std::vector<int>& lower_fds,
                           int upper_fd, int work_fd) {
  std::vector<std::string> layers;
  if (!plan.tmpfs_upper) layers.push_back(std::string(kStaging) + "/layer");
  for (std::size_t i = 0; i < lower_fds.size(); ++i) {
    if (!plan.wrap[i]) {
      layers.push_back(fd_path(lower_fds[i]));
      continue;
    }
    // overlayfs refuses a layer inside another one on the same filesystem ("/" of the host
    // image holds the cache).
    layers.push_back(wrapped_lower_in_child(stage, "wrap" + std::to_string(i), lower_fds[i]));
  }
  std::string upper = plan.tmpfs_upper ? std::string(kStaging) + "/upper" : fd_path(upper_fd);
  std::string work = plan.tmpfs_upper ? std::string(kStaging) + "/work" : fd_path(work_fd);
  mount_overlay_in_child(std::string(kStaging) + "/root", layers, upper, work);
}

// pid 1 of the new namespaces: builds the root, starts the main process, then reaps.
[[noreturn]] void init_in_child(Plan& plan) {
  const Spec& spec = *plan.spec;
  // If the parent dies, so does the sandbox (pid 1 gone = namespace gone).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  pollfd alive{plan.status_w, POLLOUT, 0};
  if (poll(&alive, 1, 0) == 1 && (alive.revents & POLLERR)) _exit(125);  // parent already gone
  pid_t main = -1;
  try {
    umask(0);
    make_root_private_in_child();
    // Descriptors opened before the clone point at the host namespace's mounts, which overlay
    // and bind mounts refuse: reopen every path here (the parent already checked them), into
    // pid 1's own variables (`plan` may be the caller's memory: it only reads it).
    std::vector<UniqueFd> lowers;
    std::vector<int> lower_fds;
    for (const auto& l : spec.lowers) {
      lowers.push_back(open_dir(l, O_PATH, "lower layer"));
      lower_fds.push_back(lowers.back().get());
    }
    UniqueFd upper_fd, work_fd;
    if (!spec.upper.empty()) {
      upper_fd = open_dir(spec.upper, O_RDONLY, "upper layer");
      work_fd = open_dir(spec.work, O_PATH, "work dir");
    }
    std::vector<UniqueFd> bind_sources;
    for (const Bind& b : spec.binds) {
      int fd = open(b.source.c_str(), O_PATH | O_CLOEXEC);
      if (fd < 0) throw SystemError("open(\"" + b.source.string() + "\") (bind source)", errno);
      bind_sources.emplace_back(fd);
    }
    UniqueFd mountpoint(open(kStaging, O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!mountpoint) throw SystemError(std::string("open(\"") + kStaging + "\")", errno);
    mount_at("tmpfs", mountpoint.get(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700",
             "staging tmpfs");
    UniqueFd stage = open_dir(kStaging, O_RDONLY, "staging tmpfs");
    for (const char* d : {"root", "layer", "upper", "work", "empty"}) {
      if (mkdirat(stage.get(), d, 0755) != 0)
        throw SystemError(std::string("mkdirat(staging, \"") + d + "\")", errno);
    }
    // The sandbox files go in a read-only top layer of their own, so that a kept upper never
    // holds them; an upper that vanishes with the sandbox can simply hold them itself (one
    // layer less for every lookup).
    const char* files_dir = plan.tmpfs_upper ? "upper" : "layer";
    UniqueFd files(openat(stage.get(), files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    make_sandbox_layer_in_child(files.get(), lower_fds, plan.files);

    if (plan.bind_host_root) {
      bind_host_root_in_child(std::string(kStaging) + "/root", files.get(), plan.files);
    } else {
      mount_layers_in_child(plan, stage.get(), lower_fds, upper_fd.get(), work_fd.get());
    }

    UniqueFd root = open_dir(std::string(kStaging) + "/root", O_RDONLY, "overlay root");
    for (std::size_t i = 0; i < spec.submounts.size() && !plan.bind_host_root; ++i)
      mount_submount_in_child(root.get(), stage.get(), i, lower_fds, spec.submounts[i]);
    mount_dev_in_child(root.get());
    mount_proc_in_child(root.get(), spec.pids_limit);
    // sysfs shows the network namespace of whoever mounts it: enter the private one first.
    if (plan.network_end >= 0) {
      UniqueFd network = receive_network_namespace_in_child(plan.network_end);
      enter_network_namespace_in_child(network.get());
    }
    mount_sys_in_child(root.get(), plan.network_end >= 0);
    mount_tmpfs_dirs_in_child(root.get());
    for (std::size_t i = 0; i < spec.binds.size(); ++i) {
      UniqueFd target =
          mount_target_in_root(root.get(), spec.binds[i].target, !plan.bind_is_dir[i]);
      bind_at(bind_sources[i].get(), target.get(), spec.binds[i].read_only, spec.binds[i].target);
    }
    for (const std::string& m : spec.masked) {
      UniqueFd target = open_in_root(root.get(), m, O_PATH | O_DIRECTORY);
      mount_at("tmpfs", target.get(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
               "mode=0755,size=4k", m);
    }
    if (sethostname(spec.hostname.data(), spec.hostname.size()) != 0)
      throw SystemError("sethostname(\"" + spec.hostname + "\")", errno);
    pivot_into_in_child(root.get());
    // No process of the sandbox may ptrace pid 1 or read its memory through /proc (which may
    // be the caller's), from the first one on.
    if (prctl(PR_SET_DUMPABLE, 0) != 0) throw SystemError("prctl(PR_SET_DUMPABLE, 0)", errno);
    if (plan.body) {
      main = fork();
      if (main < 0) throw SystemError("fork()", errno);
      if (main == 0) main_in_child(plan);
    } else {
      char** caller_environment = environ;
      main = spawn_main_process(plan);  // returns once the command is executed (or failed to be)
      environ = caller_environment;     // main_in_child set it, maybe in the caller's memory
    }
  } catch (const std::exception& e) {
    fail_in_child(plan.status_w, e);
  }

  // The reaper keeps only the status pipe and CAP_KILL.
  int status_fd = dup3(plan.status_w, 3, O_CLOEXEC);
  syscall(SYS_close_range, 4U, ~0U, 0U);
  try {
    keep_only_kill_capability_in_child();
  } catch (const std::exception&) {
  }
  if (!plan.body) send_record(status_fd, 'R', 0);  // the caller runs again from here
  reap_in_child(main, status_fd, plan.shares_memory);
}

struct Started {
  pid_t pid = -1;
  UniqueFd result;
  UniqueFd status;
  bool waited = false;
  bool left_to_kernel = false;  // wait(Teardown::InBackground) returned before pid 1 was reaped
  // pid 1's stack when it shares the caller's memory: unmapped once pid 1 is reaped, or left
  // mapped when the kernel finishes pid 1 after wait(InBackground) (it may still be on it).
  ChildStack stack;
  // For scrubbing a persistent upper after the run.
  std::vector<UniqueFd> lowers;
  UniqueFd upper;
  std::vector<SandboxFile> files;
};

void start_sandbox(Started& st, const Spec& spec, std::function<int(int)> body,
                   const std::vector<std::string>* argv) {
  if (spec.lowers.empty()) throw std::invalid_argument("sandbox: no lower layer (the image root)");
  if (spec.upper.empty() != spec.work.empty())
    throw std::invalid_argument("sandbox: upper and work must both be given or both be empty");
  if (argv && argv->empty()) throw std::invalid_argument("sandbox: empty command");
  if (spec.hostname.empty() || spec.hostname.size() > 64)
    throw std::invalid_argument("sandbox: bad hostname");
  for (const Bind& b : spec.binds) {
    if (b.target.empty() || b.target[0] != '/')
      throw std::invalid_argument("sandbox: bind target must be absolute: " + b.target);
  }

  Plan plan;
  plan.spec = &spec;
  for (const auto& l : spec.lowers) {
    plan.lowers.push_back(open_dir(l, O_PATH, "lower layer"));
    plan.lower_fds.push_back(plan.lowers.back().get());
  }
  if (!spec.upper.empty()) {
    plan.upper = open_dir(spec.upper, O_RDONLY, "upper layer");
    plan.work = open_dir(spec.work, O_PATH, "work dir");
    plan.tmpfs_upper = false;
  }
  std::error_code same;
  plan.bind_host_root = rootless() && spec.lowers.size() == 1 &&
                        std::filesystem::equivalent(spec.lowers[0], "/", same);
  if (plan.bind_host_root && !spec.upper.empty())
    throw EnvironmentError(
        "rootless, the host image is read-only (a user namespace may not lay an overlay over / "
        "while filesystems are mounted under it): keeping changes, check and apply need a "
        "debian:<release> image, or root");
  plan.wrap = lowers_containing_layers(plan.lower_fds, plan.upper.get(), plan.work.get());
  for (const Bind& b : spec.binds) {
    int fd = open(b.source.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) throw SystemError("open(\"" + b.source.string() + "\") (bind source)", errno);
    plan.bind_sources.emplace_back(fd);
    struct stat s {};
    fstat(fd, &s);
    plan.bind_is_dir.push_back(S_ISDIR(s.st_mode));
  }
  plan.files = sandbox_files(spec.hostname);
  plan.env = clean_environment(spec);
  for (auto& e : plan.env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  if (argv) {
    for (const auto& a : *argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
    plan.argv.push_back(nullptr);
  }
  plan.body = std::move(body);

  int result[2], status[2];
  if (pipe2(result, O_CLOEXEC) != 0) throw SystemError("pipe2(result)", errno);
  UniqueFd result_r(result[0]), result_w(result[1]);
  if (pipe2(status, O_CLOEXEC) != 0) throw SystemError("pipe2(status)", errno);
  UniqueFd status_r(status[0]), status_w(status[1]);
  fcntl(result_r.get(), F_SETPIPE_SZ, 1 << 20);  // a big result rarely waits for wait()
  plan.result_w = result_w.get();
  plan.status_w = status_w.get();

  // The network namespace is being made meanwhile, by a child process of this one.
  std::shared_ptr<PrivateNetwork> network;
  if (!spec.share_network) {
    network = spec.network ? spec.network : PrivateNetwork::start();
    if (!network->claim())
      throw std::invalid_argument("sandbox: a PrivateNetwork is for one sandbox only");
    plan.network_end = network->receiving_end();
  }

  // What only the parent uses later: taken now, since pid 1 may share this memory.
  if (!spec.upper.empty()) {
    st.upper = std::move(plan.upper);
    st.lowers = std::move(plan.lowers);
    st.files = plan.files;
  }

  std::fflush(nullptr);  // nothing buffered may be written twice
  unsigned long flags =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | SIGCHLD;
  plan.shares_memory = kChildrenMayShareMemory && !plan.body;  // see the top of this file
  if (plan.shares_memory) st.stack = ChildStack(kChildStack, "pid 1");
  long pid;
  {
    AllSignalsBlocked blocked;  // in pid 1 for good; the main process restores the caller's mask
    plan.caller_signals = blocked.caller();
    if (plan.shares_memory) {
      pid = clone([](void* p) -> int { init_in_child(*static_cast<Plan*>(p)); }, st.stack.top(),
                  static_cast<int>(flags | CLONE_VM), &plan);
    } else {
      // clone without a new stack behaves like fork, in new namespaces: the child is pid 1.
      pid = syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0);
      if (pid == 0) init_in_child(plan);
    }
  }
  if (pid < 0) {
    st.stack = ChildStack();
    throw SystemError("clone(CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWCGROUP)",
                      errno);
  }
  // Once this returns, pid 1 has the namespace (or never will): reap the process that made it.
  struct ReleaseNetwork {
    PrivateNetwork* network;
    ~ReleaseNetwork() {
      if (network) network->release();
    }
  } release_network{network.get()};

  st.pid = static_cast<pid_t>(pid);
  track_sandbox(st.pid);
  st.result = std::move(result_r);
  st.status = std::move(status_r);
  result_w.reset();
  status_w.reset();

  Record rec;
  bool got = read_record(st.status.get(), rec);
  if (got && rec.type == 'R') return;
  kill(st.pid, SIGKILL);
  int ws = 0;
  while (waitpid(st.pid, &ws, 0) < 0 && errno == EINTR) {
  }
  st.waited = true;
  untrack(st.pid);
  throw_if_interrupted();
  if (got && rec.type == 'E') {
    if (rec.value != 0)
      throw SystemError(SystemError::Preformatted{}, "sandbox setup: " + rec.text, rec.value);
    throw std::runtime_error("sandbox setup: " + rec.text);
  }
  throw std::runtime_error("sandbox setup: the sandbox died before it was ready");
}

}  // namespace

struct Sandbox::State : Started {};

Sandbox Sandbox::start(const Spec& spec, std::function<int(int result_fd)> body) {
  if (!body) throw std::invalid_argument("sandbox: empty body");
  throw_if_interrupted();
  Sandbox s;
  s.state_ = std::make_unique<State>();
  start_sandbox(*s.state_, spec, std::move(body), nullptr);
  return s;
}

Sandbox Sandbox::start(const Spec& spec, const std::vector<std::string>& argv) {
  throw_if_interrupted();
  Sandbox s;
  s.state_ = std::make_unique<State>();
  start_sandbox(*s.state_, spec, {}, &argv);
  return s;
}

Sandbox::Sandbox(Sandbox&&) noexcept = default;
// A sandbox dropped before wait(): kill its pid 1 (the kernel kills the rest) and reap it.
static void kill_unwaited(Started* state) {
  if (!state || state->waited || state->left_to_kernel || state->pid <= 0) return;
  kill(state->pid, SIGKILL);
  while (waitpid(state->pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  state->waited = true;
  untrack(state->pid);
}

Sandbox& Sandbox::operator=(Sandbox&& o) noexcept {
  if (this != &o) {
    kill_unwaited(state_.get());
    state_ = std::move(o.state_);
  }
  return *this;
}

Sandbox::~Sandbox() { kill_unwaited(state_.get()); }

pid_t Sandbox::pid() const { return state_ ? state_->pid : -1; }
int Sandbox::result_fd() const { return state_ ? state_->result.get() : -1; }

Result Sandbox::wait(Teardown teardown) {
  if (!state_ || state_->waited || state_->left_to_kernel)
    throw std::logic_error("Sandbox::wait() called twice");
  Result r;
  // Drain the result pipe first: the writer may block on a full pipe until we read. It reaches
  // end of file when the last process holding it is gone.
  char buf[65536];
  for (;;) {
    ssize_t n = read(state_->result.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.data.append(buf, static_cast<std::size_t>(n));
  }
  // pid 1 reports the main process's status once it has killed and reaped everything else
  // (its last record); end of file without it means pid 1 itself died.
  std::optional<int> main_status;
  Record rec;
  while (!main_status && read_record(state_->status.get(), rec)) {
    if (rec.type == 'X') main_status = rec.value;
  }
  // A persistent upper is scrubbed below, which needs the overlay gone: always wait for it.
  bool in_background = teardown == Teardown::InBackground && main_status && !state_->upper;
  // Its work done, pid 1 may be waiting for this process to exit (reap_in_child): not here.
  if (main_status && !in_background) kill(state_->pid, SIGKILL);
  int ws = 0;
  pid_t reaped = 0;
  while ((reaped = waitpid(state_->pid, &ws, in_background ? WNOHANG : 0)) < 0) {
    if (errno != EINTR) throw SystemError("waitpid(" + std::to_string(state_->pid) + ")", errno);
  }
  if (reaped == 0) {
    state_->left_to_kernel = true;
    state_->stack.leak();
  } else {
    state_->waited = true;
  }
  untrack(state_->pid);
  int s = main_status.value_or(ws);
  if (WIFSIGNALED(s)) {
    r.signal = WTERMSIG(s);
    r.status = 128 + r.signal;
  } else {
    r.status = WEXITSTATUS(s);
  }
  if (state_->upper) {
    std::vector<int> lowers;
    for (auto& l : state_->lowers) lowers.push_back(l.get());
    scrub_upper(state_->upper.get(), lowers, state_->files);
  }
  throw_if_interrupted();  // killed by the signal handler: not a result to report
  return r;
}

std::string Result::describe() const {
  if (signal != 0) {
    const char* name = sigabbrev_np(signal);
    return std::string("killed by SIG") + (name ? name : std::to_string(signal));
  }
  return "exited with status " + std::to_string(status);
}

std::string why_sandboxes_cannot_run() {
  // Not root and not yet in the user's own user namespace (enter_user_namespace): whatever
  // would stop it from being made.
  if (geteuid() != 0) {
    std::string refused = why_user_namespaces_are_refused();
    return refused.empty() ? "not root, and not in a user namespace of the user's own yet"
                           : refused;
  }
  // One read(2): this runs before every sandbox command, whose start is counted in milliseconds.
  std::string filesystems(8192, '\0');
  ssize_t n = -1;
  if (UniqueFd fs(open("/proc/filesystems", O_RDONLY | O_CLOEXEC)); fs)
    n = read(fs.get(), filesystems.data(), filesystems.size());
  filesystems.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (filesystems.find("\toverlay\n") == std::string::npos) {
    // The module may simply not be loaded yet; mounting loads it, so only say so if absent.
    if (access("/sys/module/overlay", F_OK) != 0 && access("/lib/modules", F_OK) != 0)
      return "this kernel has no overlayfs (modprobe overlay)";
  }
  if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
    return "this kernel has no seccomp filter support";
  return "";
}

}  // namespace bootstrap::sandbox
