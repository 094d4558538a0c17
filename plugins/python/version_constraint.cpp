#include "version_constraint.hpp"

#include <cctype>
#include <stdexcept>

namespace pyplug {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Strictly "N(.N){0,2}" with nothing else; nullopt otherwise.
std::optional<Version> parse_exact(std::string_view s) {
  Version v;
  while (true) {
    if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return std::nullopt;
    long n = 0;
    while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.front()))) {
      n = n * 10 + (s.front() - '0');
      if (n > 100000) return std::nullopt;
      s.remove_prefix(1);
    }
    v.parts.push_back(static_cast<int>(n));
    if (s.empty()) break;
    if (s.front() != '.' || v.parts.size() == 3) return std::nullopt;
    s.remove_prefix(1);
  }
  return v;
}

// <0, 0, >0 comparing with missing components as zero.
int compare(const Version& a, const Version& b) {
  std::size_t n = std::max(a.parts.size(), b.parts.size());
  for (std::size_t i = 0; i < n; ++i) {
    int x = i < a.parts.size() ? a.parts[i] : 0;
    int y = i < b.parts.size() ? b.parts[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool has_prefix(const Version& v, const Version& prefix) {
  for (std::size_t i = 0; i < prefix.parts.size(); ++i) {
    int x = i < v.parts.size() ? v.parts[i] : 0;
    if (x != prefix.parts[i]) return false;
  }
  return true;
}

}  // namespace

std::string Version::str() const {
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? "." : "") + std::to_string(parts[i]);
  return s;
}

std::optional<Version> parse_version(std::string_view text) {
  auto colon = text.find(':');  // Debian epoch "1:2.3"
  if (colon != std::string_view::npos && colon < text.find_first_of(".-"))
    text.remove_prefix(colon + 1);
  std::size_t i = 0;
  while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  Version v;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    long n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && n < 100000)
      n = n * 10 + (text[i++] - '0');
    v.parts.push_back(static_cast<int>(n));
    if (v.parts.size() == 3 || i + 1 >= text.size() || text[i] != '.' ||
        !std::isdigit(static_cast<unsigned char>(text[i + 1])))
      break;
    ++i;
  }
  if (v.parts.empty()) return std::nullopt;
  return v;
}

Constraint Constraint::parse(std::string_view text) {
  Constraint c;
  c.text_ = std::string(trim(text));
  if (c.text_.empty()) throw std::invalid_argument("it is empty");
  std::string_view rest = c.text_;
  while (true) {
    auto comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    if (item.empty()) throw std::invalid_argument("an empty clause between commas");
    Clause clause;
    static const std::pair<std::string_view, Clause::Op> kOps[] = {
        {"==", Clause::Op::Eq}, {"!=", Clause::Op::Ne}, {">=", Clause::Op::Ge},
        {"<=", Clause::Op::Le}, {">", Clause::Op::Gt},  {"<", Clause::Op::Lt}};
    for (const auto& [sym, op] : kOps)
      if (item.substr(0, sym.size()) == sym) {
        clause.op = op;
        item = trim(item.substr(sym.size()));
        break;
      }
    if (!item.empty() && item.back() == '*' && item.size() > 2 && item[item.size() - 2] == '.' &&
        (clause.op == Clause::Op::Eq || clause.op == Clause::Op::Series)) {
      item.remove_suffix(2);  // "==3.11.*" is the series 3.11
      clause.op = Clause::Op::Series;
    }
    auto v = parse_exact(item);
    if (!v)
      throw std::invalid_argument("'" + std::string(item) +
                                  "' is not a version (like 3.11 or 3.9.2)");
    clause.version = *v;
    c.clauses_.push_back(clause);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return c;
}

Constraint Constraint::parse(const bootstrap::Value& v, std::string_view what) {
  const std::string& text = v.is_scalar() ? v.text() : v.as_string(what);
  try {
    return parse(text);
  } catch (const std::invalid_argument& e) {
    throw v.error(std::string(what) + " is not a version constraint: " + e.what() +
                  "; write e.g. \"3.11\", \">=3.9\" or \">=3.9,<3.13\"");
  }
}

bool Constraint::matches(const Version& v) const {
  for (const Clause& c : clauses_) {
    int cmp = compare(v, c.version);
    bool ok = false;
    switch (c.op) {
      case Clause::Op::Series:
        ok = has_prefix(v, c.version);
        break;
      case Clause::Op::Eq:
        ok = cmp == 0;
        break;
      case Clause::Op::Ne:
        ok = cmp != 0;
        break;
      case Clause::Op::Ge:
        ok = cmp >= 0;
        break;
      case Clause::Op::Gt:
        ok = cmp > 0;
        break;
      case Clause::Op::Le:
        ok = cmp <= 0;
        break;
      case Clause::Op::Lt:
        ok = cmp < 0;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace pyplug
