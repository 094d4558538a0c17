#include "bootstrap/sandbox/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

namespace bootstrap::sandbox {
namespace {

// One slot per tracked process: owner (the tracking process's pid) in the high half, the pid in
// the low half, the top bit of the pid half set for a helper. Lock-free, so the handler reads it.
constexpr std::uint64_t kHelper = 1u << 31;
std::array<std::atomic<std::uint64_t>, 256> g_tracked;
std::atomic<int> g_signal{0};
std::atomic<int> g_stopped{0};

std::uint64_t slot_value(pid_t pid, bool helper) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(::getpid())) << 32) |
         static_cast<std::uint32_t>(pid) | (helper ? kHelper : 0);
}

void track(pid_t pid, bool helper) {
  std::uint64_t value = slot_value(pid, helper);
  for (auto& slot : g_tracked) {
    std::uint64_t empty = 0;
    if (slot.compare_exchange_strong(empty, value)) break;
  }
  // A signal that came before the pid was in the table: act on it now.
  if (int sig = g_signal.load(); sig != 0) {
    if (!helper && ::kill(pid, SIGKILL) == 0) g_stopped.fetch_add(1);
    if (helper) ::kill(pid, SIGTERM);
  }
}

void on_signal(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  auto self = static_cast<std::uint32_t>(::getpid());
  for (auto& slot : g_tracked) {
    std::uint64_t v = slot.load();
    if (v == 0 || static_cast<std::uint32_t>(v >> 32) != self) continue;
    auto pid = static_cast<pid_t>(v & (kHelper - 1));
    if ((v & kHelper) != 0) {
      ::kill(pid, SIGTERM);  // not the same signal: a Ctrl-C reached it too, and a second SIGINT
                             // would end it at once
    } else if (::kill(pid, SIGKILL) == 0) {
      g_stopped.fetch_add(1);
    }
  }
  static const char kSaid[] = "\nbootstrap: stopping the sandboxes (once more to quit at once)\n";
  (void)!::write(2, kSaid, sizeof kSaid - 1);
}

std::string describe(int signal, int stopped, const std::string& during) {
  const char* name = sigabbrev_np(signal);
  std::string s = std::string("interrupted by SIG") + (name ? name : std::to_string(signal));
  if (!during.empty()) s += " while " + during;
  s += ": stopped " + std::to_string(stopped) + (stopped == 1 ? " sandbox" : " sandboxes") +
       " and removed their temporary trees; nothing unfinished was kept";
  return s;
}

}  // namespace

Interrupted::Interrupted(int signal, int sandboxes_stopped, std::string during)
    : std::runtime_error(describe(signal, sandboxes_stopped, during)),
      signal_(signal),
      stopped_(sandboxes_stopped),
      during_(std::move(during)) {}

Interrupted Interrupted::during(const std::string& what) const {
  return during_.empty() ? Interrupted(signal_, stopped_, what) : *this;
}

void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESETHAND;  // the second signal: the default action
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &action, nullptr);
}

int interrupting_signal() { return g_signal.load(); }

void throw_if_interrupted() {
  if (int sig = g_signal.load(); sig != 0) throw Interrupted(sig, g_stopped.load());
}

void track_sandbox(pid_t pid) { track(pid, false); }
void track_helper(pid_t pid) { track(pid, true); }

void untrack(pid_t pid) {
  auto self = static_cast<std::uint32_t>(::getpid());
  for (auto& slot : g_tracked) {
    std::uint64_t v = slot.load();
    if (v != 0 && static_cast<std::uint32_t>(v >> 32) == self &&
        static_cast<pid_t>(v & (kHelper - 1)) == pid) {
      slot.compare_exchange_strong(v, 0);
      return;
    }
  }
}

}  // namespace bootstrap::sandbox
