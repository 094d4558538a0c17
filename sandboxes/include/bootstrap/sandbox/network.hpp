// A private network namespace whose only interface, loopback, is up. Making one is about a
// millisecond of kernel work, more while another is being torn down, the largest single cost of
// a sandbox's start. So it is made by a short-lived child process, started as early as the
// caller can, while the caller and then the sandbox's pid 1 go on; pid 1 receives it over a
// socket once its mounts are done. One namespace is for one sandbox. The child runs in the
// caller's memory (no copy of it, nothing copied on write in the caller afterwards), making only
// errno-free system calls, with every signal blocked.
#pragma once

#include <sys/types.h>

#include <memory>
#include <utility>

#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {

class ChildStack;

class PrivateNetwork {
 public:
  // Starts making the namespace. Throws SystemError when the process cannot be made; a failure
  // to make the namespace itself is reported by the sandbox that receives it.
  static std::shared_ptr<PrivateNetwork> start();
  ~PrivateNetwork();  // reaps the process that makes it
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;

  // For the sandbox that takes it: true the first time only.
  bool claim() { return !std::exchange(claimed_, true); }
  // The end the sandbox's pid 1 receives the namespace from.
  int receiving_end() const { return receive_.get(); }
  // Waits for the process that makes the namespace to end (it ends once it has sent it).
  void release();

 private:
  PrivateNetwork() = default;
  static int make_and_send(void* self);  // the child's whole life
  UniqueFd receive_;
  int send_ = -1;  // the child's end, as numbered in its descriptor table
  pid_t maker_ = -1;
  std::unique_ptr<ChildStack> stack_;  // the child's, when it shares the caller's memory
  bool claimed_ = false;
};

}  // namespace bootstrap::sandbox
