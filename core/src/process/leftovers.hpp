// The processes a step leaves behind. The engine becomes a child subreaper, so whatever a
// step's commands fork off and abandon (a daemon's double fork included) is re-parented to it
// instead of escaping to the sandbox's pid 1 or the host's init; after the step it ends them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace bootstrap {

struct LeftProcess {
  pid_t pid = 0;
  std::string name;  // its comm ("svscan")
};

// prctl(PR_SET_CHILD_SUBREAPER) for this process; throws SystemError when refused.
void become_subreaper();

// Every live descendant of this process (zombies left out), parents before children.
std::vector<LeftProcess> descendants();

// Ends every descendant: SIGTERM, then SIGKILL to those still there after `grace_seconds`,
// and reaps them. Returns the ones found at the start.
std::vector<LeftProcess> end_descendants(double grace_seconds = 2.0);

// "1 process running after apply (svscan, pid 14)" / "3 processes ... (svscan, pid 14; ...)"
std::string describe_left(const std::vector<LeftProcess>& left, const std::string& when);

}  // namespace bootstrap
