// A small writer of classic BPF programs with named jump targets, for the part of the seccomp
// filter that looks at arguments (seccomp_rules.cpp). Jumps are written to labels and resolved
// when the program is done, so no offset is counted by hand.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace bootstrap::sandbox {

class BpfProgram {
 public:
  struct Label {
    std::size_t id;
  };

  Label label() {
    targets_.push_back(kUnbound);
    return Label{targets_.size() - 1};
  }
  void bind(Label l) { targets_.at(l.id) = code_.size(); }

  void load_word(std::uint32_t offset) {
    code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
  }
  void ret(std::uint32_t action) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  void jump(Label to) {
    fixups_.push_back({code_.size(), Field::k, to});
    code_.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
  }
  // if (A <op> k) goto yes; (else goto no, or on to the next instruction without one).
  void jump_if(std::uint16_t op, std::uint32_t k, Label yes) { add_jump(op, k, yes, nullptr); }
  void jump_if(std::uint16_t op, std::uint32_t k, Label yes, Label no) {
    add_jump(op, k, yes, &no);
  }
  // if (!(A <op> k)) goto no; (else on to the next instruction).
  void jump_unless(std::uint16_t op, std::uint32_t k, Label no) {
    fixups_.push_back({code_.size(), Field::jf, no});
    code_.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0));
  }

  std::vector<sock_filter> finish() const {
    std::vector<sock_filter> out = code_;
    for (const Fixup& f : fixups_) {
      std::size_t target = targets_.at(f.to.id);
      if (target == kUnbound || target <= f.at)
        throw std::logic_error("bpf: a jump to an unbound or earlier label");
      std::size_t offset = target - f.at - 1;
      if (f.field == Field::k) {
        out[f.at].k = static_cast<std::uint32_t>(offset);
      } else {
        if (offset > 255)
          throw std::logic_error("bpf: a conditional jump farther than 255 instructions");
        (f.field == Field::jt ? out[f.at].jt : out[f.at].jf) = static_cast<std::uint8_t>(offset);
      }
    }
    return out;
  }

 private:
  enum class Field { jt, jf, k };
  struct Fixup {
    std::size_t at;
    Field field;
    Label to;
  };
  static constexpr std::size_t kUnbound = static_cast<std::size_t>(-1);

  void add_jump(std::uint16_t op, std::uint32_t k, Label yes, const Label* no) {
    fixups_.push_back({code_.size(), Field::jt, yes});
    if (no != nullptr) fixups_.push_back({code_.size(), Field::jf, *no});
    code_.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0));
  }

  std::vector<sock_filter> code_;
  std::vector<std::size_t> targets_;
  std::vector<Fixup> fixups_;
};

}  // namespace bootstrap::sandbox
