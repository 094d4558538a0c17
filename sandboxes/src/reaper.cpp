// pid 1 of the sandbox. It runs only our code: waits, reports, exits. When it exits, the
// kernel kills every process left in the pid namespace, and the parent's waitpid() returns
// only once they are all gone (so are the namespace's mounts).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

[[noreturn]] void reap_in_child(pid_t main, int status_fd, int copy_from, int copy_to) {
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
  if (copy_from >= 0) {
    // Nothing may write to the upper while it is copied.
    kill(-1, SIGKILL);
    while (waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
    }
    try {
      copy_tree(copy_from, copy_to);
    } catch (const SystemError& e) {
      send_record(status_fd, 'T', e.error_number(), std::string("copying the upper layer out: ") + e.what());
    } catch (const std::exception& e) {
      send_record(status_fd, 'T', 0, std::string("copying the upper layer out: ") + e.what());
    }
  }
  _exit(WIFEXITED(main_status) ? WEXITSTATUS(main_status) : 128 + WTERMSIG(main_status));
}

}  // namespace bootstrap::sandbox
