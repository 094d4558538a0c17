// The private network (see bootstrap/sandbox/network.hpp): a child process of the caller
// unshares CLONE_NEWNET, brings "lo" up (SIOCSIFFLAGS, so services started by verify can listen
// on 127.0.0.1), sends an fd of the namespace over a socket pair, with SCM_RIGHTS, to whichever
// sandbox's pid 1 holds the other end, and exits; pid 1 enters it with setns(). A process, not a
// thread: pid 1 is cloned from the caller meanwhile, and a clone made while another thread runs
// may copy a lock that thread holds (the C library's, a sanitizer's) into a process that then
// waits for it forever.
#include "bootstrap/sandbox/network.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bootstrap/system_error.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

// What the maker sends: 0, or the errno of the call that failed, and its name.
struct Report {
  int error = 0;
  char call[60] = {};
};

Report make_namespace(int& ns) {
  auto failed = [](const char* call) {
    Report r;
    r.error = errno;
    std::strncpy(r.call, call, sizeof r.call - 1);
    return r;
  };
  if (unshare(CLONE_NEWNET) != 0) return failed("unshare(CLONE_NEWNET)");
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return failed("socket(AF_INET, SOCK_DGRAM)");
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  req.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
  int up = ioctl(sock, SIOCSIFFLAGS, &req);
  Report r = up == 0 ? Report{} : failed("ioctl(\"lo\", SIOCSIFFLAGS, IFF_UP)");
  close(sock);
  if (r.error != 0) return r;
  ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (ns < 0) return failed("open(\"/proc/self/ns/net\")");
  return {};
}

}  // namespace

std::shared_ptr<PrivateNetwork> PrivateNetwork::start() {
  std::shared_ptr<PrivateNetwork> net(new PrivateNetwork());
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw SystemError("socketpair(AF_UNIX)", errno);
  UniqueFd send(pair[0]);
  net->receive_.reset(pair[1]);
  pid_t pid = fork();
  if (pid < 0) throw SystemError("fork() (private network)", errno);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Only the socket: the caller's other pipes must not stay open because of this process.
    auto keep = static_cast<unsigned>(send.get());
    if (keep > 0) syscall(SYS_close_range, 0U, keep - 1, 0U);
    syscall(SYS_close_range, keep + 1, ~0U, 0U);
    send_namespace(static_cast<int>(keep));
    _exit(0);
  }
  net->maker_ = pid;
  return net;
}

void PrivateNetwork::send_namespace(int socket) {
  int ns = -1;
  Report report = make_namespace(ns);
  iovec iov{&report, sizeof report};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (ns >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &ns, sizeof ns);
  }
  // The receiver reports a lost message (recvmsg finds the socket closed).
  while (sendmsg(socket, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

void PrivateNetwork::release() {
  if (maker_ <= 0) return;
  while (waitpid(maker_, nullptr, 0) < 0 && errno == EINTR) {
  }
  maker_ = -1;
}

PrivateNetwork::~PrivateNetwork() { release(); }

UniqueFd receive_network_namespace_in_child(int end) {
  Report report;
  iovec iov{&report, sizeof report};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(end, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw SystemError("recvmsg(private network)", errno);
  if (n != sizeof report) throw SystemError("recvmsg(private network): the namespace was never sent", EPIPE);
  if (report.error != 0) throw SystemError(report.call, report.error);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) throw SystemError("recvmsg(private network): no descriptor", EPROTO);
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return UniqueFd(fd);
}

void enter_network_namespace_in_child(int ns) {
  if (setns(ns, CLONE_NEWNET) != 0) throw SystemError("setns(CLONE_NEWNET)", errno);
}

}  // namespace bootstrap::sandbox
