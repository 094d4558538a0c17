// What cloning a child into this process's memory (CLONE_VM) takes, for the network maker,
// pid 1 and the main process: a stack of its own, and every signal blocked across the clone so
// that the child starts with none deliverable (the caller's mask is handed on, not lost).
#pragma once

#include <signal.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <utility>

#include "bootstrap/system_error.hpp"

namespace bootstrap::sandbox {

// Mapped here; unmapped by the destructor, so it must outlive the child that runs on it.
class ChildStack {
 public:
  ChildStack() = default;
  ChildStack(std::size_t size, const char* whose) : size_(size) {
    base_ =
        mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base_ == MAP_FAILED) {
      base_ = nullptr;
      throw SystemError(std::string("mmap(stack of ") + whose + ")", errno);
    }
  }
  ~ChildStack() {
    if (base_) munmap(base_, size_);
  }
  ChildStack(ChildStack&& o) noexcept : base_(std::exchange(o.base_, nullptr)), size_(o.size_) {}
  ChildStack& operator=(ChildStack&& o) noexcept {
    if (this != &o) {
      if (base_) munmap(base_, size_);
      base_ = std::exchange(o.base_, nullptr);
      size_ = o.size_;
    }
    return *this;
  }

  explicit operator bool() const { return base_ != nullptr; }
  char* top() const { return static_cast<char*>(base_) + size_; }  // stacks grow down
  // For a child that may still be running on it when its owner goes: stays mapped.
  void leak() { base_ = nullptr; }

 private:
  void* base_ = nullptr;
  std::size_t size_ = 0;
};

// Blocks every signal of the calling thread until destroyed; caller() is the mask it had.
class AllSignalsBlocked {
 public:
  AllSignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &caller_);
  }
  ~AllSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &caller_, nullptr); }
  AllSignalsBlocked(const AllSignalsBlocked&) = delete;
  AllSignalsBlocked& operator=(const AllSignalsBlocked&) = delete;

  const sigset_t& caller() const { return caller_; }

 private:
  sigset_t caller_{};
};

}  // namespace bootstrap::sandbox
