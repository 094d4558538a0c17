// The private network (see bootstrap/sandbox/network.hpp): a child process of the caller
// unshares CLONE_NEWNET, brings "lo" up (SIOCSIFFLAGS, so services started by verify can listen
// on 127.0.0.1), sends an fd of the namespace over a socket pair, with SCM_RIGHTS, to whichever
// sandbox's pid 1 holds the other end, and exits; pid 1 enters it with setns(). A process in the
// caller's memory (CLONE_VM), not a thread: a body's pid 1 is forked from the caller meanwhile,
// and a fork made while another thread runs may copy a lock that thread holds (the C library's,
// a sanitizer's) into a process that then waits for it forever. Sharing the caller's thread-local
// state, errno included, the maker makes only raw system calls.
#include "bootstrap/sandbox/network.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bootstrap/system_error.hpp"
#include "child_stack.hpp"
#include "raw_syscall.hpp"
#include "steps.hpp"

namespace bootstrap::sandbox {
namespace {

constexpr std::size_t kMakerStack = 64 * 1024;

// What the maker sends: 0, or the errno of the call that failed, and its name.
struct Report {
  int error = 0;
  char call[60] = {};
};

// In the caller's memory, while the caller runs: raw system calls only, nothing allocated.
Report make_namespace(int& ns) {
  auto failed = [](const char* call, long result) {
    Report r;
    r.error = static_cast<int>(-result);
    std::strncpy(r.call, call, sizeof r.call - 1);
    return r;
  };
  long rc = raw_syscall(SYS_unshare, CLONE_NEWNET);
  if (rc < 0) return failed("unshare(CLONE_NEWNET)", rc);
  long sock = raw_syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return failed("socket(AF_INET, SOCK_DGRAM)", sock);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  req.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
  rc = raw_syscall(SYS_ioctl, sock, SIOCSIFFLAGS, reinterpret_cast<long>(&req));
  raw_syscall(SYS_close, sock);
  if (rc < 0) return failed("ioctl(\"lo\", SIOCSIFFLAGS, IFF_UP)", rc);
  long fd = raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/ns/net"),
                        O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failed("open(\"/proc/self/ns/net\")", fd);
  ns = static_cast<int>(fd);
  return {};
}

}  // namespace

std::shared_ptr<PrivateNetwork> PrivateNetwork::start() {
  std::shared_ptr<PrivateNetwork> net(new PrivateNetwork());
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throw SystemError("socketpair(AF_UNIX)", errno);
  UniqueFd send(pair[0]);
  net->receive_.reset(pair[1]);
  net->send_ = send.get();
  if (kChildrenMayShareMemory)
    net->stack_ = std::make_unique<ChildStack>(kMakerStack, "the private network's maker");
  pid_t pid;
  {
    AllSignalsBlocked blocked;  // in the maker for good
    if (net->stack_) {
      pid =
          clone(&PrivateNetwork::make_and_send, net->stack_->top(), CLONE_VM | SIGCHLD, net.get());
    } else {
      pid = fork();
      if (pid == 0) _exit(make_and_send(net.get()));
    }
  }
  if (pid < 0)
    throw SystemError(
        net->stack_ ? "clone(CLONE_VM) (private network)" : "fork() (private network)", errno);
  net->maker_ = pid;
  return net;
}

int PrivateNetwork::make_and_send(void* self) {
  int socket = static_cast<const PrivateNetwork*>(self)->send_;
  raw_syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  // Only the socket: the caller's other pipes must not stay open because of this process.
  auto keep = static_cast<unsigned>(socket);
  if (keep > 0) raw_syscall(SYS_close_range, 0, keep - 1, 0);
  raw_syscall(SYS_close_range, keep + 1, ~0U, 0);
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
  while (raw_syscall(SYS_sendmsg, socket, reinterpret_cast<long>(&msg), MSG_NOSIGNAL) == -EINTR) {
  }
  raw_syscall(SYS_exit_group, 0);
  __builtin_unreachable();
}

void PrivateNetwork::release() {
  if (maker_ > 0) {
    while (waitpid(maker_, nullptr, 0) < 0 && errno == EINTR) {
    }
    maker_ = -1;
  }
  stack_.reset();  // the maker is gone (or was never started)
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
  if (n != sizeof report)
    throw SystemError("recvmsg(private network): the namespace was never sent", EPIPE);
  if (report.error != 0) throw SystemError(report.call, report.error);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS)
    throw SystemError("recvmsg(private network): no descriptor", EPROTO);
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return UniqueFd(fd);
}

void enter_network_namespace_in_child(int ns) {
  if (setns(ns, CLONE_NEWNET) != 0) throw SystemError("setns(CLONE_NEWNET)", errno);
}

}  // namespace bootstrap::sandbox
