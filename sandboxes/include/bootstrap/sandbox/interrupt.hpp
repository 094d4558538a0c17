// Stopping on SIGINT, SIGTERM and SIGHUP: what a check does when a user presses Ctrl-C or a CI
// runner cancels the job. The handler kills every sandbox this process is running (SIGKILL to
// its pid 1 takes the whole pid namespace with it, and the mount namespace with its overlays)
// and sends SIGTERM to the helper processes it tracks (check --jobs' children). The next
// Sandbox::start() or Sandbox::wait() then throws Interrupted, so the stack unwinds through the
// destructors that remove scratch trees and release layer locks, and the command says what it
// stopped. A second signal ends the process at once (the default action).
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>

namespace bootstrap::sandbox {

class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, int sandboxes_stopped, std::string during = "");
  int signal() const { return signal_; }
  int exit_status() const { return 128 + signal_; }
  // The same interruption, with what the command was doing ("debian:trixie: run A: applying
  // daemontools (step 4)"), when the first one to catch it knows.
  Interrupted during(const std::string& what) const;

 private:
  int signal_;
  int stopped_;
  std::string during_;
};

// Installs the handlers (idempotent). Commands that only read, or that must not stop halfway
// (apply --for-real's commit has a journal for that), do not call it.
void stop_on_signals();

// The signal that interrupted this process, or 0.
int interrupting_signal();
// Throws Interrupted once a signal has come.
void throw_if_interrupted();

// What the handler stops: a sandbox's pid 1 is killed (Sandbox registers its own), a helper
// gets SIGTERM. Only the process that tracked a pid acts on it (a forked child's copy
// of the table is ignored). Room for 256 at once; more are not tracked.
void track_sandbox(pid_t pid);
void track_helper(pid_t pid);
void untrack(pid_t pid);

}  // namespace bootstrap::sandbox
