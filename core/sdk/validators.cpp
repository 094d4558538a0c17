#include <algorithm>
#include <numeric>

#include "bootstrap/plugin.hpp"

namespace bootstrap {

std::size_t first_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return i;
  }
  return std::string_view::npos;
}

std::string describe_control_character(std::string_view text, std::size_t at) {
  auto c = static_cast<unsigned char>(text[at]);
  std::string name = c == '\n'   ? "a newline"
                     : c == '\t' ? "a tab"
                     : c == 0    ? "a NUL byte"
                                 : "byte " + std::to_string(c);
  return name + " at character " + std::to_string(at + 1);
}

std::string parse_absolute_path(const Value& v, std::string_view what) {
  const std::string& text = v.as_string(what);
  if (text.empty() || text.front() != '/')
    throw v.error(std::string(what) + " must be an absolute path (starting with '/'), not '" +
                  text + "'");
  if (std::size_t at = first_control_character(text); at != std::string::npos)
    throw v.error(std::string(what) + " must not hold control characters (" +
                  describe_control_character(text, at) + ")");
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == '/') ++i;
    std::size_t end = text.find('/', i);
    if (end == std::string::npos) end = text.size();
    std::string_view part(text.data() + i, end - i);
    if (part == "..") throw v.error(std::string(what) + " must not contain '..': '" + text + "'");
    if (!part.empty() && part != ".") {
      out += '/';
      out += part;
    }
    i = end;
  }
  return out.empty() ? "/" : out;
}

unsigned parse_mode(const Value& v, std::string_view what) {
  const std::string& text = v.as_string(what);
  bool ok = !text.empty() && text.size() <= 5;
  unsigned mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') {
      ok = false;
      break;
    }
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  if (!ok || mode > 07777)
    throw v.error(std::string(what) + " must be an octal mode such as \"0755\" or \"2775\", not '" +
                  text + "'");
  return mode;
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace bootstrap
