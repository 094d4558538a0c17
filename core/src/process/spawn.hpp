// Starting a Command as a child process: the one fork/exec every part of the engine uses
// (Host::run, the services of checks). Internal to core.
#pragma once

#include <sys/types.h>

#include <string>

#include "bootstrap/plugin.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap {

struct SpawnOptions {
  int stdin_fd = -1;         // -1: /dev/null
  int output_fd = -1;        // stdout and stderr; -1: /dev/null
  int root_fd = -1;          // chroot into this directory first; -1: stay in this root
  std::string root_shown;    // the root as error messages name it
  bool new_session = false;  // setsid(): a service, its own process group and session
};

struct Child {
  pid_t pid = -1;
  UniqueFd pidfd;  // readable once the child has exited (pidfd_open)
};

// Forks and execs `command` (argv[0] looked up in PATH; env added to a clean environment;
// cwd; uid/gid with no supplementary groups). The child is always the leader of its own
// process group, so the whole group can be signalled. Throws SystemError naming the call
// when the child could not get as far as exec (the child is reaped then).
Child spawn(const Command& command, const SpawnOptions& options);

// Waits for `child` to exit and returns its status as CommandResult::exit_status does
// (0..255, or 128+signal).
int wait_for(Child& child);

// Signals the child's process group (SIGTERM), waits up to `grace_seconds` for the child to
// exit, then SIGKILLs the group; returns the child's exit status.
int terminate(Child& child, double grace_seconds);

}  // namespace bootstrap
