// Runs a classic BPF seccomp program on one syscall in user space: the answer the kernel would
// give, without making the call. Knows the instructions libseccomp and bpf_program.hpp write;
// any other fails the test that meets it.
#pragma once

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>

namespace bootstrap::testing {

inline std::uint32_t bpf_word(const seccomp_data& d, std::uint32_t offset) {
  if (offset % 4 != 0 || offset + 4 > sizeof d)
    throw std::out_of_range("bpf: load outside seccomp_data");
  std::uint32_t w;
  std::memcpy(&w, reinterpret_cast<const char*>(&d) + offset, 4);
  return w;
}

inline bool bpf_jump_taken(std::uint16_t code, std::uint32_t a, std::uint32_t k) {
  switch (BPF_OP(code)) {
    case BPF_JEQ:
      return a == k;
    case BPF_JGT:
      return a > k;
    case BPF_JGE:
      return a >= k;
    case BPF_JSET:
      return (a & k) != 0;
  }
  throw std::invalid_argument("bpf: unknown jump");
}

// The program's return value (SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | errno, ...).
inline std::uint32_t bpf_run(std::span<const sock_filter> program, const seccomp_data& d) {
  std::uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& f = program[pc];
    switch (f.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        a = bpf_word(d, f.k);
        break;
      case BPF_LD | BPF_IMM:
        a = f.k;
        break;
      case BPF_LD | BPF_MEM:
        a = mem[f.k % BPF_MEMWORDS];
        break;
      case BPF_LDX | BPF_IMM:
        x = f.k;
        break;
      case BPF_LDX | BPF_MEM:
        x = mem[f.k % BPF_MEMWORDS];
        break;
      case BPF_ST:
        mem[f.k % BPF_MEMWORDS] = a;
        break;
      case BPF_STX:
        mem[f.k % BPF_MEMWORDS] = x;
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a &= f.k;
        break;
      case BPF_ALU | BPF_OR | BPF_K:
        a |= f.k;
        break;
      case BPF_MISC | BPF_TAX:
        x = a;
        break;
      case BPF_MISC | BPF_TXA:
        a = x;
        break;
      case BPF_JMP | BPF_JA:
        pc += f.k;
        break;
      case BPF_RET | BPF_K:
        return f.k;
      case BPF_RET | BPF_A:
        return a;
      default:
        if (BPF_CLASS(f.code) == BPF_JMP && BPF_SRC(f.code) == BPF_K) {
          pc += bpf_jump_taken(f.code, a, f.k) ? f.jt : f.jf;
          break;
        }
        if (BPF_CLASS(f.code) == BPF_JMP && BPF_SRC(f.code) == BPF_X) {
          pc += bpf_jump_taken(f.code, a, x) ? f.jt : f.jf;
          break;
        }
        throw std::invalid_argument("bpf: unknown instruction " + std::to_string(f.code));
    }
  }
  throw std::out_of_range("bpf: the program ran off its end");
}

}  // namespace bootstrap::testing
