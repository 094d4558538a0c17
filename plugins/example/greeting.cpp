// greeting: the smallest complete plugin. It writes one file, /etc/greeting, saying hello to
// the host's operators, and proves it is there and says what the baseline asked for.
//
//   - greeting: {to: operators, mode: "0644"}
//
// What a plugin author needs to see here: configure() reads and refuses (at file:line:col)
// and touches nothing; apply() converges and reports each change, and reports nothing when the
// target already has it (check's "idempotent" verdict); verify() proves with what it finds.
#include <string>

#include "bootstrap/plugin.hpp"

namespace {

constexpr const char* kPath = "/etc/greeting";

class Greeting final : public bootstrap::Plugin {
 public:
  void configure(const bootstrap::StepConfig& step) override {
    bootstrap::Fields f(step.config, "greeting");
    if (const bootstrap::Value* to = f.optional("to")) {
      to_ = to->as_string("'to'");
      if (to_.empty() || to_.find('\n') != std::string::npos)
        throw to->error("'to' must be one line of text");
    }
    if (const bootstrap::Value* mode = f.optional("mode"))
      mode_ = bootstrap::parse_mode(*mode, "'mode'");
    f.finish();  // an unknown key is an error naming the nearest known one
  }

  void apply(bootstrap::Host& host, bootstrap::Outcome& out) override {
    bootstrap::FileStat st = host.stat(kPath);
    if (host.read_file(kPath) != text()) {
      host.write_file(kPath, text(), mode_, 0, 0);
      out.push_back({st.type == bootstrap::FileType::Missing ? bootstrap::ChangeKind::Created
                                                             : bootstrap::ChangeKind::Modified,
                     kPath, "says hello to " + to_});
    } else if (st.mode != mode_) {
      host.set_mode(kPath, mode_);
      out.push_back({bootstrap::ChangeKind::Modified, kPath, "mode"});
    }
  }

  std::vector<bootstrap::Check> verify(bootstrap::Host& host) override {
    std::optional<std::string> found = host.read_file(kPath);
    bool says = found == text();
    return {{"greeting: " + std::string(kPath) + " greets " + to_, says,
             says ? "" : (found ? "it says: " + *found : "it is missing"), false}};
  }

 private:
  std::string text() const { return "Hello, " + to_ + ".\n"; }
  std::string to_ = "world";
  unsigned mode_ = 0644;
};

}  // namespace

BOOTSTRAP_PLUGIN(Greeting, "greeting", "1.0.0",
                 "writes /etc/greeting and proves it greets whom it should")
