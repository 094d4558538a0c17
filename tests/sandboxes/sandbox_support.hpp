// Helpers shared by the sandbox and security tests.
#pragma once

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"

namespace bootstrap::testing {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The mount table without the per-mount ids that change on every read of nothing.
inline std::string host_mounts() { return read_text("/proc/self/mountinfo"); }

// Children of this process, from /proc (pids whose PPid is ours).
inline std::set<pid_t> my_children() {
  std::set<pid_t> out;
  DIR* d = opendir("/proc");
  while (dirent* e = readdir(d)) {
    pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::string st = read_text("/proc/" + std::string(e->d_name) + "/stat");
    auto close = st.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream in(st.substr(close + 2));
    char state;
    pid_t ppid;
    in >> state >> ppid;
    if (ppid == getpid()) out.insert(pid);
  }
  closedir(d);
  return out;
}

// A sandbox of this machine's root with a throwaway (tmpfs) upper. Rootless, where the host's
// root can only be bound read-only (host_root.cpp), the user's debian:bookworm image stands in
// for it (built on first use), so the same tests still write, stack layers and make setuid files.
inline sandbox::Spec host_spec() {
  sandbox::Spec spec;
  spec.lowers = {"/"};
  if (sandbox::rootless()) {
    static const std::filesystem::path image =
        sandbox::ImageStore(sandbox::default_cache_root()).get("debian:bookworm").root;
    spec.lowers = {image};
  }
  return spec;
}

// Runs `body` in a sandbox and returns the result.
template <typename F>
sandbox::Result run_body(const sandbox::Spec& spec, F body) {
  return sandbox::Sandbox::start(spec, std::function<int(int)>(body)).wait();
}

inline void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// Runs a shell command in a sandbox; its stdout comes back as the result data.
inline sandbox::Result run_capture(const sandbox::Spec& spec, const std::string& cmd) {
  return sandbox::Sandbox::start(spec, std::function<int(int)>([cmd](int fd) {
                                   FILE* p = popen(cmd.c_str(), "r");
                                   if (p == nullptr) return 126;
                                   char buf[4096];
                                   std::size_t n;
                                   while ((n = fread(buf, 1, sizeof buf, p)) > 0)
                                     write_all(fd, std::string(buf, n));
                                   int st = pclose(p);
                                   return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                                 }))
      .wait();
}

}  // namespace bootstrap::testing
