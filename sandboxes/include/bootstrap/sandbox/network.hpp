// A private network namespace whose only interface, loopback, is up. Making one is about a
// millisecond of kernel work, more while another is being torn down, the largest single cost of
// a sandbox's start. So it is made on a thread of its own, started as early as the caller can,
// while the caller and then the sandbox's pid 1 go on; pid 1 receives it over a socket once its
// mounts are done. One namespace is for one sandbox.
#pragma once

#include <memory>
#include <thread>
#include <utility>

#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {

class PrivateNetwork {
 public:
  // Starts making the namespace. Throws SystemError when the thread cannot be made; a failure
  // to make the namespace itself is reported by the sandbox that receives it.
  static std::shared_ptr<PrivateNetwork> start();
  ~PrivateNetwork();  // lets the thread end, and joins it
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;

  // For the sandbox that takes it: true the first time only.
  bool claim() { return !std::exchange(claimed_, true); }
  // The end the sandbox's pid 1 receives the namespace from.
  int receiving_end() const { return receive_.get(); }
  // Called once the sandbox was cloned: the thread may end now (it must not while a clone of
  // this process is made: it would leave the copy with a lock of the thread library held).
  void release();

 private:
  PrivateNetwork() = default;
  void make();
  UniqueFd send_, receive_;
  UniqueFd go_read_, go_write_;
  bool claimed_ = false;
  std::thread thread_;
};

}  // namespace bootstrap::sandbox
