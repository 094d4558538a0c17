// pid 1 of the sandbox. It runs only our code: waits, reports, exits. When it exits, the
// kernel kills every process left in the pid namespace, and the parent's waitpid() returns
// only once they are all gone (so are the namespace's mounts).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

[[noreturn]] void reap_in_child(pid_t main, int status_fd) {
  int main_status = 0;
  for (;;) {
    int st = 0;
    pid_t p = waitpid(-1, &st, 0);
    if (p == main) {
      main_status = st;
      break;
    }
    if (p < 0 && errno == ECHILD) break;
  }
  send_record(status_fd, 'X', main_status);
  _exit(WIFEXITED(main_status) ? WEXITSTATUS(main_status) : 128 + WTERMSIG(main_status));
}

}  // namespace bootstrap::sandbox
