// Ignore rules: glob patterns on absolute target paths that name what is never repeatable
// (logs, caches, the sandbox's own files). Used when building and when comparing manifests.
//
// Pattern language (no regex; patterns are compiled once):
//   *        any characters within one path component (may be empty; also matches a leading '.')
//   ?        one character other than '/'
//   [abc]    one character of a class; [a-z] ranges; [!abc] or [^abc] negates
//   \c       the character c literally
//   **       as a whole component: any number of components (zero or more)
//   /x/**    a trailing "/**" matches everything under /x (one or more components), not /x itself
//   *.pyc    a pattern without a leading '/' matches at any depth ("**/" is put in front), so a
//            pattern without any '/' matches a basename anywhere
// A path is ignored when it or any of its ancestors matches: ignoring a directory ignores
// everything under it (like .gitignore).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bootstrap {

class IgnoreRules {
 public:
  struct Rule {
    std::string pattern;
    std::string reason;  // one line, shown by `bootstrap check --show-ignores` and in docs
  };

  IgnoreRules();
  // Throws std::invalid_argument naming the pattern when one is malformed (empty, unclosed '[').
  explicit IgnoreRules(const std::vector<std::string>& patterns);

  // What is never repeatable in any run; see ignore_rules.cpp for each rule's reason.
  static IgnoreRules builtin();

  void add(std::string pattern, std::string reason = {});
  void add(const IgnoreRules& other);  // combine: builtin() + a baseline's own `ignore:`

  // True when `path` (absolute, "/etc/x", no trailing '/') or one of its ancestors matches.
  bool matches(std::string_view path) const;

  const std::vector<Rule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }

  // A compiled pattern: components, each either "**" or a component glob.
  struct Compiled;

  IgnoreRules(const IgnoreRules&);
  IgnoreRules(IgnoreRules&&) noexcept;
  IgnoreRules& operator=(const IgnoreRules&);
  IgnoreRules& operator=(IgnoreRules&&) noexcept;
  ~IgnoreRules();

 private:
  std::vector<Rule> rules_;
  std::vector<Compiled> compiled_;
};

// Matches one glob pattern (same language, without the ancestor rule) against a path; for tests
// and for callers that need a single pattern.
bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace bootstrap
