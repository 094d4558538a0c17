// pid 1 of the sandbox. It runs only our code: reaps orphans until the main process ends, then
// kills and reaps everything left, reports the main process's status, and exits. So when the
// parent reads that report, no process of the sandbox is left but pid 1 itself, which the
// kernel is tearing down (the namespace's mounts go with it). It may share the caller's memory
// while the caller runs (sandbox.cpp), so it makes only errno-free system calls and allocates
// nothing.
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cerrno>
#include <ctime>

#include "raw_syscall.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

// Reaps children until `main` has ended (its wait status) or, with main == -1, until none is left.
int reap(pid_t main) {
  for (;;) {
    int st = 0;
    long p = raw_syscall(SYS_wait4, -1, reinterpret_cast<long>(&st), __WALL, 0);
    if (main > 0 && p == main) return st;
    if (p == -ECHILD) return 0;
  }
}

}  // namespace

[[noreturn]] void reap_in_child(pid_t main, int status_fd, bool linger) {
  int main_status = reap(main);
  // Daemons the command left behind: pid 1 may signal every process of its namespace (it
  // keeps CAP_KILL for those that changed user), and all of them end up as its children.
  raw_syscall(SYS_kill, -1, SIGKILL);
  reap(-1);
  send_record(status_fd, 'X', main_status);
  if (linger) {
    // Sharing the caller's memory, pid 1 lets the caller exit first, so that tearing down that
    // address space is pid 1's work in the background, not the caller's on its way out. The
    // caller's exit kills it (PR_SET_PDEATHSIG), as does wait(Teardown::Wait); a caller that
    // lives on is not waited for longer than this.
    timespec pause{0, 50'000'000};
    raw_syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, reinterpret_cast<long>(&pause), 0);
  }
  raw_syscall(SYS_exit_group,
              WIFEXITED(main_status) ? WEXITSTATUS(main_status) : 128 + WTERMSIG(main_status));
  __builtin_unreachable();
}

}  // namespace bootstrap::sandbox
