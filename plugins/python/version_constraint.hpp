// Version constraints as operators write them: "3.11" (any 3.11.x), ">=3.9", ">=3.9,<3.13".
// Shared by the python and setuptools plugins (each compiles this file into its own module).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bootstrap/plugin.hpp"

namespace pyplug {

struct Version {
  std::vector<int> parts;  // 3.11.2 -> {3, 11, 2}
  std::string str() const;
};

// The leading dotted number of `text`: "3.11.2" -> 3.11.2, "3.11.2-1+b1" (Debian, epoch
// stripped) -> 3.11.2, "Python 3.12.7" -> 3.12.7, "66.1.1" -> 66.1.1. nullopt when none.
std::optional<Version> parse_version(std::string_view text);

struct Clause {
  enum class Op { Series, Eq, Ne, Ge, Gt, Le, Lt };  // Series: bare "3.11" = 3.11.*
  Op op = Op::Series;
  Version version;
};

class Constraint {
 public:
  Constraint() = default;  // matches everything
  // Throws std::invalid_argument with the reason when `text` is not a constraint.
  static Constraint parse(std::string_view text);
  // Same, but a ConfigError at the value's mark, naming it as `what`.
  static Constraint parse(const bootstrap::Value& v, std::string_view what);

  bool matches(const Version& v) const;
  bool any() const { return clauses_.empty(); }
  const std::string& text() const { return text_; }

 private:
  std::vector<Clause> clauses_;
  std::string text_;
};

}  // namespace pyplug
