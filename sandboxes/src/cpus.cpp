// Which CPU each process of a start begins on. Left to itself, the scheduler starts a new
// process on the CPU of the one that made it, even with another CPU idle, and a start is three
// processes that could run at once: the caller, the private network's maker and pid 1. Stacked
// on one CPU they take turns, and the other CPU idles (traced with sched_process_fork and
// sched_migrate_task on 2 CPUs: the maker's 0.6 ms unshare held up the caller or pid 1 in most
// starts). So the maker leaves the caller's CPU, and pid 1 begins on the caller's CPU, which
// the caller leaves idle while it waits for pid 1. Nothing stays pinned: pid 1 takes back the
// caller's CPUs first thing, and the maker exits within a millisecond.
#include <sched.h>

#include <cerrno>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {

void leave_cpu(int cpu) {
  if (cpu < 0) return;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  CPU_CLR(cpu, &allowed);
  // Best effort: with one CPU allowed, or if the kernel refuses, the process stays where it is.
  if (CPU_COUNT(&allowed) > 0) sched_setaffinity(0, sizeof allowed, &allowed);
}

ChildStartsHere::ChildStartsHere() {
  if (sched_getaffinity(0, sizeof caller_, &caller_) != 0 || CPU_COUNT(&caller_) < 2) return;
  int cpu = sched_getcpu();
  if (cpu < 0) return;
  cpu_set_t here;
  CPU_ZERO(&here);
  CPU_SET(cpu, &here);
  pinned_ = sched_setaffinity(0, sizeof here, &here) == 0;
}

ChildStartsHere::~ChildStartsHere() {
  if (pinned_) sched_setaffinity(0, sizeof caller_, &caller_);
}

void ChildStartsHere::release_in_child() const {
  if (pinned_ && sched_setaffinity(0, sizeof caller_, &caller_) != 0)
    throw SystemError("sched_setaffinity(pid 1, the caller's CPUs)", errno);
}

}  // namespace bootstrap::sandbox
