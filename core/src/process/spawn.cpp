#include "spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace {

std::vector<std::string> environment(const Command& command) {
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8",
      "DEBIAN_FRONTEND=noninteractive", "HOME=/root"};
  for (const auto& [name, value] : command.env) {
    std::string prefix = name + "=";
    std::erase_if(env, [&prefix](const std::string& e) { return e.rfind(prefix, 0) == 0; });
    env.push_back(prefix + value);
  }
  return env;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// What the child reports through the error pipe when it fails before exec.
enum Step : int { kNone, kDup, kChroot, kChdir, kSetuid, kExec, kSession };

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

[[noreturn]] void child_fails(int err_fd, int step) {
  int report[2] = {step, errno};
  (void)!::write(err_fd, report, sizeof report);
  _exit(127);
}

// In the child: only async-signal-safe calls.
[[noreturn]] void exec_child(const Command& command, const SpawnOptions& o, char** argv,
                             char** envp, int null_fd, int err_fd) {
  if (o.new_session ? setsid() < 0 : setpgid(0, 0) != 0) child_fails(err_fd, kSession);
  int in = o.stdin_fd >= 0 ? o.stdin_fd : null_fd;
  int out = o.output_fd >= 0 ? o.output_fd : null_fd;
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) child_fails(err_fd, kDup);
  if (o.root_fd >= 0 && (fchdir(o.root_fd) != 0 || chroot(".") != 0)) child_fails(err_fd, kChroot);
  if (chdir(command.cwd.c_str()) != 0) child_fails(err_fd, kChdir);
  if ((command.uid != 0 || command.gid != 0) &&
      (setgroups(0, nullptr) != 0 || setgid(command.gid) != 0 || setuid(command.uid) != 0))
    child_fails(err_fd, kSetuid);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvpe(argv[0], argv, envp);
  child_fails(err_fd, kExec);
}

std::string failed_call(const Command& command, const SpawnOptions& o, int step) {
  switch (step) {
    case kDup:
      return "dup2()";
    case kChroot:
      return "chroot(" + quoted(o.root_shown) + ")";
    case kChdir:
      return "chdir(" + quoted(command.cwd) + ")" +
             (o.root_fd >= 0 ? " inside " + o.root_shown : "");
    case kSetuid:
      return "setuid(" + std::to_string(command.uid) + ") for " + quoted(command.argv[0]) +
             (o.root_fd >= 0 ? " inside " + o.root_shown : "");
    case kSession:
      return "setsid()";
    default:
      return "execvp(" + quoted(command.argv[0]) + ")" +
             (o.root_fd >= 0 ? " inside " + o.root_shown : "");
  }
}

}  // namespace

Child spawn(const Command& command, const SpawnOptions& options) {
  if (command.argv.empty()) throw std::invalid_argument("run: empty argv");
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) throw SystemError("pipe2()", errno);
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd) throw SystemError("open(\"/dev/null\")", errno);
  std::vector<std::string> env = environment(command);
  std::vector<char*> argv = pointers(command.argv);
  std::vector<char*> envp = pointers(env);

  pid_t pid = fork();
  if (pid < 0) throw SystemError("fork()", errno);
  if (pid == 0) exec_child(command, options, argv.data(), envp.data(), null_fd.get(), err_w.get());
  err_w.reset();
  Child child;
  child.pid = pid;
  // glibc 2.36 declares pidfd_open without extern "C": the system call itself.
  child.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  int failure[2] = {0, 0};
  ssize_t n;
  while ((n = ::read(err_r.get(), failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  if (n == sizeof failure) {
    wait_for(child);
    throw SystemError(failed_call(command, options, failure[0]), failure[1]);
  }
  if (!child.pidfd) {
    int e = errno;
    ::kill(pid, SIGKILL);
    wait_for(child);
    throw SystemError("pidfd_open(" + std::to_string(pid) + ")", e);
  }
  return child;
}

int wait_for(Child& child) {
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0) {
    if (errno != EINTR) return 128 + SIGKILL;  // reaped elsewhere
  }
  child.pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int terminate(Child& child, double grace_seconds) {
  ::kill(-child.pid, SIGTERM);
  pollfd p{child.pidfd.get(), POLLIN, 0};
  int r;
  while ((r = poll(&p, 1, static_cast<int>(grace_seconds * 1000))) < 0 && errno == EINTR) {
  }
  if (r == 0) ::kill(-child.pid, SIGKILL);
  return wait_for(child);
}

}  // namespace bootstrap
