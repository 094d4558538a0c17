#include "output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>

#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace {

using Clock = std::chrono::steady_clock;

// Reads what is there without waiting; false at end of file.
bool drain(UniqueFd& out, std::string& output) {
  std::array<char, 65536> buf;
  for (;;) {
    ssize_t n = ::read(out.get(), buf.data(), buf.size());
    if (n > 0) {
      output.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

}  // namespace

std::string seconds_text(double seconds) {
  if (seconds >= 120 && std::fmod(seconds, 60) == 0) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} s", seconds);
}

bool collect_output(Child& child, UniqueFd& out, UniqueFd& in, const std::string& input,
                    double limit_seconds, std::string& output) {
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(limit_seconds));
  ::fcntl(out.get(), F_SETFL, ::fcntl(out.get(), F_GETFL) | O_NONBLOCK);
  if (in) ::fcntl(in.get(), F_SETFL, ::fcntl(in.get(), F_GETFL) | O_NONBLOCK);
  std::size_t written = 0;
  bool exited = false;
  while (out && !exited) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[3] = {
        {out.get(), POLLIN, 0}, {in ? in.get() : -1, POLLOUT, 0}, {child.pidfd.get(), POLLIN, 0}};
    int n = poll(fds, 3, static_cast<int>(std::min<long long>(left, 60'000)));
    if (n < 0 && errno != EINTR) throw SystemError("poll()", errno);
    if (n <= 0) continue;
    if (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t w = ::write(in.get(), input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.reset();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR) && !drain(out, output)) out.reset();
    if (fds[2].revents & POLLIN) exited = true;
  }
  // The child is gone: what it wrote last is in the pipe already; a daemon that kept the
  // pipe open may write more, which is not the command's output.
  if (out) drain(out, output);
  in.reset();
  // Wait for the exit itself when the pipe closed first (the common case).
  if (!exited) {
    pollfd p{child.pidfd.get(), POLLIN, 0};
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    int r;
    while ((r = poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)))) < 0 &&
           errno == EINTR) {
    }
    if (r == 0) return false;
  }
  return true;
}

}  // namespace bootstrap
