#include "leftovers.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace {

struct ProcEntry {
  pid_t ppid = 0;
  char state = '?';
  std::string comm;
};

// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
bool read_stat(pid_t pid, ProcEntry& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto open = line.find('(');
  auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 4 > line.size())
    return false;
  out.comm = line.substr(open + 1, close - open - 1);
  out.state = line[close + 2];
  out.ppid = static_cast<pid_t>(std::atoi(line.c_str() + close + 4));
  return true;
}

std::map<pid_t, ProcEntry> process_table() {
  std::map<pid_t, ProcEntry> table;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) throw SystemError("opendir(\"/proc\")", errno);
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    ProcEntry p;
    if (pid > 0 && *end == '\0' && read_stat(static_cast<pid_t>(pid), p))
      table.emplace(static_cast<pid_t>(pid), p);
  }
  closedir(dir);
  return table;
}

void reap_all() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

bool wait_until_gone(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    reap_all();
    if (descendants().empty()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

void become_subreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    throw SystemError("prctl(PR_SET_CHILD_SUBREAPER, 1)", errno);
}

std::vector<LeftProcess> descendants() {
  auto table = process_table();
  std::vector<LeftProcess> out;
  std::vector<pid_t> parents = {getpid()};
  for (std::size_t i = 0; i < parents.size(); ++i)
    for (const auto& [pid, p] : table)
      if (p.ppid == parents[i]) {
        parents.push_back(pid);
        if (p.state != 'Z' && p.state != 'X') out.push_back({pid, p.comm});
      }
  return out;
}

std::vector<LeftProcess> end_descendants(double grace_seconds) {
  reap_all();
  std::vector<LeftProcess> found = descendants();
  if (found.empty()) return found;
  for (const auto& p : found) ::kill(p.pid, SIGTERM);
  if (wait_until_gone(grace_seconds)) return found;
  // Those that ignored SIGTERM, and whatever was forked meanwhile, until nothing is left.
  for (int round = 0; round < 100; ++round) {
    auto left = descendants();
    if (left.empty()) break;
    for (const auto& p : left) ::kill(p.pid, SIGKILL);
    wait_until_gone(0.5);
  }
  return found;
}

std::string describe_left(const std::vector<LeftProcess>& left, const std::string& when) {
  std::string list;
  for (const auto& p : left)
    list += (list.empty() ? "" : "; ") + p.name + ", pid " + std::to_string(p.pid);
  return std::to_string(left.size()) + (left.size() == 1 ? " process" : " processes") +
         " running " + when + " (" + list + ")";
}

}  // namespace bootstrap
