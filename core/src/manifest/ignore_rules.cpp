#include "bootstrap/ignore_rules.hpp"

#include <array>
#include <bitset>
#include <optional>
#include <stdexcept>

namespace bootstrap {
namespace {

struct Token {
  enum class Kind { Literal, Any, Star, Class };
  Kind kind = Kind::Literal;
  char c = 0;
  std::bitset<256> set;  // Class only
};

struct Segment {
  bool globstar = false;      // the whole component is "**"
  bool literal = false;       // no wildcard: compare `text`
  std::string text;           // the literal component
  std::vector<Token> tokens;  // otherwise
};

[[noreturn]] void bad(std::string_view pattern, std::string_view why) {
  throw std::invalid_argument("ignore pattern \"" + std::string(pattern) +
                              "\": " + std::string(why));
}

Segment compile_segment(std::string_view pattern, std::string_view comp) {
  Segment seg;
  if (comp == "**") {
    seg.globstar = true;
    return seg;
  }
  bool wild = false;
  std::string literal;
  for (std::size_t i = 0; i < comp.size(); ++i) {
    Token t;
    char ch = comp[i];
    if (ch == '\\') {
      if (++i == comp.size()) bad(pattern, "ends with a lone '\\'");
      t.c = comp[i];
      literal += t.c;
    } else if (ch == '*') {
      wild = true;
      if (!seg.tokens.empty() && seg.tokens.back().kind == Token::Kind::Star) continue;
      t.kind = Token::Kind::Star;
    } else if (ch == '?') {
      wild = true;
      t.kind = Token::Kind::Any;
    } else if (ch == '[') {
      wild = true;
      t.kind = Token::Kind::Class;
      std::size_t j = i + 1;
      bool negate = j < comp.size() && (comp[j] == '!' || comp[j] == '^');
      if (negate) ++j;
      bool first = true;
      for (;; first = false) {
        if (j >= comp.size()) bad(pattern, "'[' without a closing ']'");
        auto lo = static_cast<unsigned char>(comp[j]);
        if (lo == ']' && !first) break;
        if (lo == '\\' && j + 1 < comp.size()) lo = static_cast<unsigned char>(comp[++j]);
        auto hi = lo;
        if (j + 2 < comp.size() && comp[j + 1] == '-' && comp[j + 2] != ']') {
          hi = static_cast<unsigned char>(comp[j + 2]);
          j += 2;
          if (hi < lo) bad(pattern, "reversed range in '[...]'");
        }
        for (unsigned c = lo; c <= hi; ++c) t.set.set(c);
        ++j;
      }
      if (negate) t.set.flip();
      i = j;
    } else {
      t.c = ch;
      literal += ch;
    }
    seg.tokens.push_back(t);
  }
  if (!wild) {
    seg.literal = true;
    seg.text = std::move(literal);
    seg.tokens.clear();
  }
  return seg;
}

bool token_matches(const Token& t, char ch) {
  switch (t.kind) {
    case Token::Kind::Literal:
      return t.c == ch;
    case Token::Kind::Any:
      return true;
    case Token::Kind::Class:
      return t.set.test(static_cast<unsigned char>(ch));
    case Token::Kind::Star:
      return false;
  }
  return false;
}

// Classic wildcard matching with one backtrack point per '*'; linear for typical patterns.
bool match_component(const Segment& seg, std::string_view s) {
  if (seg.literal) return seg.text == s;
  const auto& t = seg.tokens;
  std::size_t ti = 0, si = 0, star_ti = std::string_view::npos, star_si = 0;
  while (si < s.size()) {
    if (ti < t.size() && t[ti].kind == Token::Kind::Star) {
      star_ti = ti++;
      star_si = si;
    } else if (ti < t.size() && token_matches(t[ti], s[si])) {
      ++ti;
      ++si;
    } else if (star_ti != std::string_view::npos) {
      ti = star_ti + 1;
      si = ++star_si;
    } else {
      return false;
    }
  }
  while (ti < t.size() && t[ti].kind == Token::Kind::Star) ++ti;
  return ti == t.size();
}

// Path components without allocating for ordinary depths.
class Components {
 public:
  explicit Components(std::string_view path) {
    std::size_t i = 0;
    while (i < path.size()) {
      if (path[i] == '/') {
        ++i;
        continue;
      }
      std::size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      push(path.substr(i, j - i));
      i = j;
    }
  }
  std::size_t size() const { return n_; }
  std::string_view operator[](std::size_t i) const {
    return i < kInline ? inline_[i] : more_[i - kInline];
  }

 private:
  void push(std::string_view c) {
    if (n_ < kInline) {
      inline_[n_] = c;
    } else {
      more_.push_back(c);
    }
    ++n_;
  }
  static constexpr std::size_t kInline = 48;
  std::array<std::string_view, kInline> inline_;
  std::vector<std::string_view> more_;
  std::size_t n_ = 0;
};

}  // namespace

struct IgnoreRules::Compiled {
  std::vector<Segment> segments;
  std::string literal_prefix;  // "/var/log" for "/var/log/**": a quick reject before splitting
  std::string required;        // ".pyc" for "*.pyc": a path without it cannot match

  static Compiled compile(std::string_view pattern) {
    if (pattern.empty()) bad(pattern, "empty pattern");
    Compiled c;
    std::string_view rest = pattern;
    if (rest.front() == '/') {
      rest.remove_prefix(1);
    } else {
      Segment any;
      any.globstar = true;
      c.segments.push_back(std::move(any));
    }
    std::size_t i = 0;
    while (i <= rest.size()) {
      std::size_t j = rest.find('/', i);
      if (j == std::string_view::npos) j = rest.size();
      if (j > i) c.segments.push_back(compile_segment(pattern, rest.substr(i, j - i)));
      i = j + 1;
    }
    if (c.segments.empty()) bad(pattern, "matches nothing but '/'");
    std::ptrdiff_t leading_literals = 0;
    for (const auto& s : c.segments) {
      if (!s.literal) break;
      c.literal_prefix += '/';
      c.literal_prefix += s.text;
      ++leading_literals;
    }
    for (const auto& s : c.segments) {
      if (s.literal) {
        // Leading literal components are already checked through literal_prefix.
        if (&s - c.segments.data() < leading_literals) continue;
        if (s.text.size() > c.required.size()) c.required = s.text;
        continue;
      }
      std::string run;
      for (const auto& t : s.tokens) {
        if (t.kind == Token::Kind::Literal) {
          run += t.c;
        } else {
          run.clear();
        }
        if (run.size() > c.required.size()) c.required = run;
      }
    }
    return c;
  }

  bool quick_reject(std::string_view path) const {
    if (!literal_prefix.empty()) {
      if (!path.starts_with(literal_prefix)) return true;
      if (path.size() > literal_prefix.size() && path[literal_prefix.size()] != '/') return true;
    }
    return !required.empty() && path.find(required) == std::string_view::npos;
  }

  // `descendants`: also true when the pattern matches an ancestor of the path.
  bool match(const Components& comps, std::size_t si, std::size_t ci, bool descendants) const {
    for (;;) {
      if (si == segments.size()) return ci == comps.size() || descendants;
      const Segment& seg = segments[si];
      if (seg.globstar) {
        // A trailing "**" means "everything under": one or more components.
        if (si + 1 == segments.size()) return ci < comps.size();
        for (std::size_t k = ci; k <= comps.size(); ++k) {
          if (match(comps, si + 1, k, descendants)) return true;
        }
        return false;
      }
      if (ci == comps.size() || !match_component(seg, comps[ci])) return false;
      ++si;
      ++ci;
    }
  }
};

IgnoreRules::IgnoreRules(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) add(p);
}

IgnoreRules::IgnoreRules() = default;
IgnoreRules::IgnoreRules(const IgnoreRules&) = default;
IgnoreRules::IgnoreRules(IgnoreRules&&) noexcept = default;
IgnoreRules& IgnoreRules::operator=(const IgnoreRules&) = default;
IgnoreRules& IgnoreRules::operator=(IgnoreRules&&) noexcept = default;
IgnoreRules::~IgnoreRules() = default;

void IgnoreRules::add(std::string pattern, std::string reason) {
  compiled_.push_back(Compiled::compile(pattern));
  rules_.push_back(Rule{std::move(pattern), std::move(reason)});
}

void IgnoreRules::add(const IgnoreRules& other) {
  rules_.insert(rules_.end(), other.rules_.begin(), other.rules_.end());
  compiled_.insert(compiled_.end(), other.compiled_.begin(), other.compiled_.end());
}

bool IgnoreRules::matches(std::string_view path) const {
  std::optional<Components> comps;
  for (const auto& c : compiled_) {
    if (c.quick_reject(path)) continue;
    if (!comps) comps.emplace(path);
    if (c.match(*comps, 0, 0, true)) return true;
  }
  return false;
}

bool glob_match(std::string_view pattern, std::string_view path) {
  return IgnoreRules::Compiled::compile(pattern).match(Components(path), 0, 0, false);
}

IgnoreRules IgnoreRules::builtin() {
  IgnoreRules r;
  r.add("/var/log/**", "logs carry timestamps and PIDs");
  r.add("/var/cache/apt/**", "downloaded .debs and pkgcache.bin come from the shared fetch layer");
  r.add("/var/lib/apt/lists/**", "package lists are fetched, not written by the baseline");
  r.add("/var/cache/debconf/*-old", "debconf's backup of its previous database");
  r.add("/var/lib/dpkg/*-old", "dpkg's backup of status/available/diversions before each run");
  r.add("/var/lib/dpkg/lock*", "dpkg/apt lock files, touched by every apt run");
  r.add("/var/lib/dpkg/triggers/Lock", "dpkg's trigger lock file");
  r.add("/var/cache/ldconfig/aux-cache", "ldconfig's cache keyed on inode numbers and mtimes");
  r.add("/var/cache/man/**", "man-db's index, rebuilt with timestamps");
  r.add("*.pyc", "Python bytecode embeds source mtimes");
  r.add("__pycache__", "Python bytecode directories");
  r.add("/run/**", "runtime state (tmpfs on a real host)");
  r.add("/tmp/**", "scratch files (tmpfs or cleaned at boot)");
  r.add("/var/tmp/**", "scratch files");
  r.add("/etc/resolv.conf", "placed by the sandbox for the fetch phase");
  r.add("/etc/hostname", "placed by the sandbox");
  r.add("/usr/sbin/policy-rc.d", "placed by the sandbox so packages do not start services");
  r.add("/etc/machine-id", "random per host by design (systemd-machine-id-setup)");
  r.add("/var/lib/dbus/machine-id",
        "random per host by design (a copy or link of /etc/machine-id)");
  return r;
}

}  // namespace bootstrap
