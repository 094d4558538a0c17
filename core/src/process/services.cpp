#include "services.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "bootstrap/root_host.hpp"
#include "bootstrap/system_error.hpp"
#include "leftovers.hpp"
#include "output.hpp"

namespace bootstrap {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string log_text(int fd) {
  std::string out;
  char buf[8192];
  off_t at = 0;
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, at)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    at += n;
  }
  return out;
}

bool accepts(const sockaddr* addr, socklen_t len, int family) {
  UniqueFd s(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return s && ::connect(s.get(), addr, len) == 0;
}

bool probe_once(const ReadinessProbe& p) {
  switch (p.kind) {
    case ReadinessProbe::Kind::Running:
      return true;
    case ReadinessProbe::Kind::TcpPort: {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(p.port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return accepts(reinterpret_cast<sockaddr*>(&a), sizeof a, AF_INET);
    }
    case ReadinessProbe::Kind::UnixSocket: {
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      if (p.path.size() >= sizeof a.sun_path) return false;
      std::memcpy(a.sun_path, p.path.c_str(), p.path.size() + 1);
      return accepts(reinterpret_cast<sockaddr*>(&a), sizeof a, AF_UNIX);
    }
    case ReadinessProbe::Kind::FileExists: {
      struct stat st {};
      return ::lstat(p.path.c_str(), &st) == 0;
    }
    case ReadinessProbe::Kind::CommandSucceeds: {
      Command c;
      c.argv = p.argv;
      c.timeout_seconds = 5;
      try {
        return RootHost("/").run(c).ok();
      } catch (const std::exception&) {
        return false;
      }
    }
  }
  return false;
}

std::string service_title(const StepService& s) {
  return "service " + s.service.name + " of " + s.step_name;
}

std::string with_output(std::string message, const Service& s, int log_fd) {
  message += "\n  argv: " + command_line(s.command.argv);
  std::string tail = output_tail(log_text(log_fd));
  return message + (tail.empty() ? "\n  (no output)" : "\n  last output:" + tail);
}

}  // namespace

std::string RunningServices::wait_ready(Running& r) {
  const Service& s = r.what.service;
  auto t0 = Clock::now();
  // A service that is "ready" by running must at least survive its first moments.
  double settle = s.ready.kind == ReadinessProbe::Kind::Running ? 0.1 : 0.0;
  for (;;) {
    pollfd p{r.child.pidfd.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) == 1) {
      int status = wait_for(r.child);
      return with_output(service_title(r.what) + " exited (" +
                             (status > 128 ? "killed by signal " + std::to_string(status - 128)
                                           : "exit status " + std::to_string(status)) +
                             ") " + seconds_text(since(t0)) +
                             " after it started, before it was ready (" + s.ready.describe() + ")",
                         s, r.log.get());
    }
    if (since(t0) >= settle && probe_once(s.ready)) return "";
    if (since(t0) >= s.timeout_seconds)
      return with_output(service_title(r.what) + " was not ready after " + seconds_text(since(t0)) +
                             " (waited for: " + s.ready.describe() + ")",
                         s, r.log.get());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<ServiceProblem> RunningServices::start(const std::vector<StepService>& services) {
  auto t0 = Clock::now();
  std::vector<ServiceProblem> problems;
  std::string failed;  // the first service that failed
  for (const auto& s : services) {
    if (!failed.empty()) {
      problems.push_back({s.step, service_title(s) + " was not started: " + failed +
                                      ", started before it, failed"});
      continue;
    }
    UniqueFd log(::memfd_create(("service-" + s.service.name).c_str(), MFD_CLOEXEC));
    if (!log) throw SystemError("memfd_create()", errno);
    SpawnOptions o;
    o.output_fd = log.get();
    o.new_session = true;
    try {
      running_.push_back({s, spawn(s.service.command, o), std::move(log)});
    } catch (const std::exception& e) {
      problems.push_back({s.step, service_title(s) + " could not be started: " + e.what()});
      failed = service_title(s);
      continue;
    }
    if (std::string problem = wait_ready(running_.back()); !problem.empty()) {
      problems.push_back({s.step, problem});
      failed = service_title(s);
    }
  }
  seconds_ = since(t0);
  return problems;
}

void RunningServices::stop() {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it)
    if (it->child.pid > 0) terminate(it->child, 2.0);
  running_.clear();
  end_descendants();
}

}  // namespace bootstrap
