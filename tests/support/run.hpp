// Runs a program the way a user would, capturing stdout, stderr and the exit status.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bootstrap::testing {

struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};

// Sent to the program once `when()` (asked every 50 ms) holds; SIGKILL after 120 s regardless.
struct Interrupt {
  std::function<bool()> when;
  int signal = SIGINT;
};

inline Ran run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
               const std::string& cwd = "", const Interrupt& interrupt = {}) {
  int o[2], e[2];
  if (pipe2(o, O_CLOEXEC) != 0 || pipe2(e, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(o[1], 1);
    dup2(e[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    for (const auto& kv : env) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(o[1]);
  close(e[1]);
  Ran r;
  pollfd fds[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
  int open_fds = 2;
  std::array<char, 65536> buf;
  bool sent = !interrupt.when;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (open_fds > 0) {
    if (!sent && interrupt.when()) {
      kill(pid, interrupt.signal);
      sent = true;
    }
    if (interrupt.when && std::chrono::steady_clock::now() > deadline) kill(pid, SIGKILL);
    if (poll(fds, 2, interrupt.when ? 50 : -1) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf.data(), buf.size());
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf.data(), static_cast<std::size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// bootstrap itself, with colour off so output can be compared.
inline Ran bootstrap(std::vector<std::string> args, const std::vector<std::string>& env = {},
                     const std::string& cwd = "", const Interrupt& interrupt = {}) {
  args.insert(args.begin(), BOOTSTRAP_BINARY);
  std::vector<std::string> e = env;
  e.push_back("NO_COLOR=1");
  return run(args, e, cwd, interrupt);
}

// A temporary directory removed (with everything in it) when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bootstrap-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

}  // namespace bootstrap::testing
