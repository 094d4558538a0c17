// Reading apt sources: one-line style ("deb [opts] uri suite comp...") and deb822 style
// ("Types:", "URIs:", "Suites:", "Components:", "Signed-By:", "Enabled:").
#include "bootstrap/sandbox/apt_sources.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "bootstrap/system_error.hpp"

namespace fs = std::filesystem;

namespace bootstrap::sandbox {
namespace {

const char* const kDebianReleases[] = {"buster",  "bullseye", "bookworm", "trixie",
                                       "forky",   "duke",     "sid",      "stable",
                                       "testing", "unstable", "oldstable"};

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void read_one_line_file(const fs::path& file, std::vector<AptSource>& out) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    AptSource src;
    src.file = file;
    std::string type = line.substr(0, line.find_first_of(" \t"));
    if (type != "deb" && type != "deb-src") continue;
    src.types = {type};
    std::string rest = trim(line.substr(type.size()));
    if (!rest.empty() && rest[0] == '[') {
      auto close = rest.find(']');
      if (close == std::string::npos) continue;
      for (const std::string& opt : words(rest.substr(1, close - 1))) {
        auto eq = opt.find('=');
        if (eq != std::string::npos && lower(opt.substr(0, eq)) == "signed-by")
          src.signed_by = opt.substr(eq + 1);
      }
      rest = rest.substr(close + 1);
    }
    auto w = words(rest);
    if (w.size() < 2) continue;
    src.uris = {w[0]};
    src.suites = {w[1]};
    src.components.assign(w.begin() + 2, w.end());
    out.push_back(std::move(src));
  }
}

void read_deb822_file(const fs::path& file, std::vector<AptSource>& out) {
  std::ifstream in(file);
  std::map<std::string, std::string> fields;
  std::string last;
  auto flush = [&] {
    if (!fields.empty() && lower(fields["enabled"]) != "no" && !fields["uris"].empty()) {
      AptSource src;
      src.file = file;
      src.types = words(fields["types"]);
      src.uris = words(fields["uris"]);
      src.suites = words(fields["suites"]);
      src.components = words(fields["components"]);
      std::string sb = trim(fields["signed-by"]);
      if (sb.find("BEGIN PGP") == std::string::npos && sb.find('\n') == std::string::npos)
        src.signed_by = sb;
      out.push_back(std::move(src));
    }
    fields.clear();
    last.clear();
  };
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] == '#') continue;
    if (trim(line).empty()) {
      flush();
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !last.empty()) {  // continuation
      fields[last] += "\n" + trim(line);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    last = lower(trim(line.substr(0, colon)));
    fields[last] = trim(line.substr(colon + 1));
  }
  flush();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool is_release(const std::string& suite) {
  return std::any_of(std::begin(kDebianReleases), std::end(kDebianReleases),
                     [&](const char* r) { return suite == r; });
}

bool is_security(const std::string& suite) {
  auto dash = suite.find('-');
  return dash != std::string::npos && is_release(suite.substr(0, dash)) &&
         (suite.substr(dash) == "-security" || suite.substr(dash) == "/updates");
}

}  // namespace

std::vector<AptSource> read_apt_sources(const fs::path& apt_dir) {
  std::vector<AptSource> out;
  std::error_code ec;
  if (fs::is_regular_file(apt_dir / "sources.list", ec))
    read_one_line_file(apt_dir / "sources.list", out);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(apt_dir / "sources.list.d", ec))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());  // apt's order
  for (const auto& f : files) {
    if (f.extension() == ".list") read_one_line_file(f, out);
    if (f.extension() == ".sources") read_deb822_file(f, out);
  }
  return out;
}

DebianMirrors find_debian_mirrors(const std::vector<AptSource>& sources) {
  DebianMirrors m;
  int best = -1;
  for (const AptSource& s : sources) {
    if (!contains(s.types, "deb") || s.uris.empty()) continue;
    bool has_main = contains(s.components, "main");
    for (const std::string& suite : s.suites) {
      if (is_security(suite) && has_main && m.security.empty()) {
        m.security = s.uris.front();
        m.security_signed_by = s.signed_by;
      }
      if (!is_release(suite) || !has_main) continue;
      // Prefer the URI that looks like Debian's archive over a third-party repository that
      // happens to name its suite after a release.
      const std::string& uri = s.uris.front();
      int score = 1;
      std::string path = uri.back() == '/' ? uri.substr(0, uri.size() - 1) : uri;
      if (path.size() >= 7 && path.substr(path.size() - 7) == "/debian") score += 2;
      if (uri.find("security") != std::string::npos) score = 0;
      if (score > best) {
        best = score;
        m.archive = uri;
        m.archive_signed_by = s.signed_by;
      }
    }
  }
  if (m.archive.empty())
    throw EnvironmentError(
        "no Debian archive in this machine's apt sources (/etc/apt/sources.list, "
        "sources.list.d/*.list, "
        "*.sources): bootstrap builds debian images from the configured mirror and has none to "
        "use");
  return m;
}

}  // namespace bootstrap::sandbox
