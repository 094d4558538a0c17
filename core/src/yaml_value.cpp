// YAML text -> Value, refusing what a baseline must never be.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <set>

#include "bootstrap/baseline.hpp"

namespace bootstrap {
namespace {

SourceMark mark_of(const std::string& file, const YAML::Mark& m) {
  if (m.is_null()) return SourceMark{file, 0, 0};
  return SourceMark{file, m.line + 1, m.column + 1};
}

// The first byte that is not valid UTF-8, as a mark; nullopt when the text is valid.
std::optional<SourceMark> invalid_utf8(std::string_view s, const std::string& file) {
  int line = 1;
  int column = 1;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      n = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return SourceMark{file, line, column};
    }
    if (i + n > s.size()) return SourceMark{file, line, column};
    for (std::size_t k = 1; k < n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return SourceMark{file, line, column};
      cp = (cp << 6) | (cc & 0x3F);
    }
    bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return SourceMark{file, line, column};
    if (cp == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  return std::nullopt;
}

struct Budget {
  std::size_t values_left = kMaxValues;
};

void check_size(const YAML::Node& node, const SourceMark& mark, Budget& budget) {
  if (budget.values_left-- == 0)
    throw ConfigError(
        mark, "the baseline holds more than " + std::to_string(kMaxValues) +
                  " values once its aliases are expanded (each *alias repeats its &anchor)");
  if ((node.IsSequence() || node.IsMap()) && node.size() > kMaxEntries)
    throw ConfigError(mark, std::string(node.IsMap() ? "a mapping" : "a list") + " holds at most " +
                                std::to_string(kMaxEntries) + " entries; this one has " +
                                std::to_string(node.size()));
}

Value convert(const YAML::Node& node, const std::string& file, int depth, Budget& budget) {
  SourceMark mark = mark_of(file, node.Mark());
  if (depth > kMaxNesting)
    throw ConfigError(mark, "nested deeper than " + std::to_string(kMaxNesting) +
                                " levels; a baseline never needs that");
  check_size(node, mark, budget);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Value::null(mark);
    case YAML::NodeType::Scalar:
      return Value::scalar(node.Scalar(), mark, node.Tag() == "!");
    case YAML::NodeType::Sequence: {
      std::vector<Value> items;
      items.reserve(node.size());
      for (const auto& item : node) items.push_back(convert(item, file, depth + 1, budget));
      return Value::list(std::move(items), mark);
    }
    case YAML::NodeType::Map: {
      std::vector<Value::Entry> entries;
      std::vector<SourceMark> key_marks;
      std::set<std::string> seen;
      for (const auto& kv : node) {
        SourceMark key_mark = mark_of(file, kv.first.Mark());
        if (!kv.first.IsScalar()) throw ConfigError(key_mark, "mapping keys must be plain strings");
        const std::string& key = kv.first.Scalar();
        if (std::size_t at = first_control_character(key); at != std::string::npos)
          throw ConfigError(key_mark, "a key must not hold control characters (" +
                                          describe_control_character(key, at) + ")");
        if (!seen.insert(key).second) throw ConfigError(key_mark, "duplicate key '" + key + "'");
        entries.emplace_back(key, convert(kv.second, file, depth + 1, budget));
        key_marks.push_back(key_mark);
      }
      return Value::map(std::move(entries), std::move(key_marks), mark);
    }
  }
  return Value::null(mark);
}

// Cheap pre-check of flow/block nesting so that hostile input never reaches a deep parse.
void check_nesting(std::string_view s, const std::string& file) {
  int depth = 0;
  int line = 1;
  int column = 1;
  for (char c : s) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxNesting)
        throw ConfigError(SourceMark{file, line, column},
                          "nested deeper than " + std::to_string(kMaxNesting) +
                              " levels; a baseline never needs that");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

}  // namespace

Value parse_yaml(std::string_view content, const std::string& file) {
  if (content.size() > kMaxBaselineBytes)
    throw ConfigError(SourceMark{file, 1, 1}, "file is " + std::to_string(content.size() >> 20) +
                                                  " MiB; a baseline may be at most " +
                                                  std::to_string(kMaxBaselineBytes >> 20) + " MiB");
  if (auto bad = invalid_utf8(content, file))
    throw ConfigError(*bad, "not UTF-8 text (invalid byte sequence here)");
  if (content.find('\0') != std::string_view::npos)
    throw ConfigError(SourceMark{file, 1, 1}, "contains a NUL byte; not a text file");
  check_nesting(content, file);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::ParserException& e) {
    std::string msg = e.msg;
    if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
    throw ConfigError(mark_of(file, e.mark), "YAML syntax error: " + msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(mark_of(file, e.mark), std::string("YAML error: ") + e.msg);
  }
  Budget budget;
  Value v = convert(root, file, 0, budget);
  if (v.is_null()) {
    SourceMark m{file, 1, 1};
    return Value::null(m);
  }
  return v;
}

}  // namespace bootstrap
