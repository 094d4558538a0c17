#include <charconv>
#include <set>

#include "bootstrap/plugin.hpp"

namespace bootstrap {
namespace {

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = line.find(sep, start);
    out.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

bool to_id(std::string_view s, std::uint32_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  for (std::string_view line : split(text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    fn(line);
  }
}

}  // namespace

std::vector<Account> parse_passwd(std::string_view text) {
  std::vector<Account> out;
  for_each_line(text, [&](std::string_view line) {
    auto f = split(line, ':');
    if (f.size() < 7) return;
    Account a;
    a.name = f[0];
    if (!to_id(f[2], a.id) || !to_id(f[3], a.gid)) return;
    a.home = f[5];
    a.shell = f[6];
    out.push_back(std::move(a));
  });
  return out;
}

std::vector<Account> parse_group(std::string_view text) {
  std::vector<Account> out;
  for_each_line(text, [&](std::string_view line) {
    auto f = split(line, ':');
    if (f.size() < 4) return;
    Account a;
    a.name = f[0];
    if (!to_id(f[2], a.id)) return;
    a.gid = a.id;
    if (!f[3].empty())
      for (auto m : split(f[3], ',')) a.members.emplace_back(m);
    out.push_back(std::move(a));
  });
  return out;
}

std::optional<Account> find_account(const std::vector<Account>& accounts, std::string_view name) {
  for (const auto& a : accounts)
    if (a.name == name) return a;
  return std::nullopt;
}

std::optional<std::uint32_t> free_id(const std::vector<Account>& accounts, std::uint32_t first,
                                     std::uint32_t last) {
  std::set<std::uint32_t> used;
  for (const auto& a : accounts) used.insert(a.id);
  for (std::uint32_t id = first; id <= last; ++id)
    if (used.count(id) == 0) return id;
  return std::nullopt;
}

}  // namespace bootstrap
