// pid 1 of the sandbox. It runs only our code: reaps orphans until the main process ends, then
// kills and reaps everything left, reports the main process's status, and exits. So when the
// parent reads that report, no process of the sandbox is left but pid 1 itself, which the
// kernel is tearing down (the namespace's mounts go with it).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

// Reaps children until `main` has ended (its wait status) or, with main == -1, until none is left.
int reap(pid_t main) {
  for (;;) {
    int st = 0;
    pid_t p = waitpid(-1, &st, __WALL);
    if (main > 0 && p == main) return st;
    if (p < 0 && errno == ECHILD) return 0;
  }
}

}  // namespace

[[noreturn]] void reap_in_child(pid_t main, int status_fd) {
  int main_status = reap(main);
  // Daemons the command left behind: pid 1 may signal every process of its namespace (it
  // keeps CAP_KILL for those that changed user), and all of them end up as its children.
  kill(-1, SIGKILL);
  reap(-1);
  send_record(status_fd, 'X', main_status);
  _exit(WIFEXITED(main_status) ? WEXITSTATUS(main_status) : 128 + WTERMSIG(main_status));
}

}  // namespace bootstrap::sandbox
