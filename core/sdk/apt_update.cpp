#include "bootstrap/apt_update.hpp"

#include <algorithm>
#include <cstddef>
#include <set>
#include <sstream>

namespace bootstrap {
namespace {

constexpr std::string_view kFailed = "Failed to fetch ";
constexpr std::size_t kShown = 3;

// The URI of a sources.list line: "deb [options] URI suite components".
std::string uri_of(const std::string& deb_line) {
  std::istringstream in(deb_line);
  std::string word;
  in >> word;  // deb or deb-src
  bool options = false;
  while (in >> word) {
    if (!options && word.front() == '[') options = true;
    if (options) {
      if (word.back() == ']') options = false;
      continue;
    }
    while (word.size() > 1 && word.back() == '/') word.pop_back();
    return word;
  }
  return "";
}

std::string source_of(const std::string& url, const std::vector<NamedAptSource>& named) {
  for (const auto& s : named) {
    std::string uri = uri_of(s.deb_line);
    if (!uri.empty() && url.rfind(uri, 0) == 0)
      return "the apt source " + s.name + ": " + s.deb_line;
  }
  return "one of the image's own sources in /etc/apt/sources.list*";
}

}  // namespace

std::vector<AptFetchFailure> apt_fetch_failures(std::string_view output) {
  std::vector<AptFetchFailure> out;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    std::string_view line = output.substr(start, end - start);
    start = end + 1;
    if (line.size() < 3 || (line.substr(0, 3) != "W: " && line.substr(0, 3) != "E: ")) continue;
    line.remove_prefix(3);
    if (line.substr(0, kFailed.size()) != kFailed) continue;
    line.remove_prefix(kFailed.size());
    std::size_t gap = line.find("  ");
    AptFetchFailure f{std::string(line.substr(0, gap)),
                      gap == std::string_view::npos ? "" : std::string(line.substr(gap + 2))};
    if (seen.insert(f.url).second) out.push_back(std::move(f));
  }
  return out;
}

std::string describe_apt_fetch_failures(const std::vector<AptFetchFailure>& failures,
                                        const std::vector<NamedAptSource>& named) {
  if (failures.empty()) return "";
  // One sentence per cause (a source and apt's reason): a mirror that does not resolve fails
  // every index it serves the same way.
  std::vector<std::pair<std::string, std::vector<std::string>>> causes;
  for (const auto& f : failures) {
    std::string cause = f.reason + " (" + source_of(f.url, named) + ")";
    auto it =
        std::find_if(causes.begin(), causes.end(), [&](const auto& c) { return c.first == cause; });
    if (it == causes.end()) it = causes.insert(causes.end(), {cause, {}});
    it->second.push_back(f.url);
  }
  std::ostringstream s;
  s << "apt-get update could not fetch " << failures.size()
    << (failures.size() == 1 ? " index" : " indexes") << " of the package sources: ";
  for (std::size_t i = 0; i < causes.size(); ++i) {
    const auto& [cause, urls] = causes[i];
    s << (i > 0 ? "; " : "");
    for (std::size_t k = 0; k < urls.size() && k < kShown; ++k) s << (k > 0 ? ", " : "") << urls[k];
    if (urls.size() > kShown) s << " and " << urls.size() - kShown << " more";
    s << ": " << cause;
  }
  return s.str();
}

}  // namespace bootstrap
