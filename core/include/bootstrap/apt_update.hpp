// What `apt-get update` could not fetch. apt exits 0 when only some sources fail (it prints
// them as warnings and carries on with old lists, or none), so a later "Unable to locate
// package" hides the cause; plugins and the fetch phase read the failures from its output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bootstrap {

struct AptFetchFailure {
  std::string url;     // the index apt asked for: http://host/debian/dists/bookworm/InRelease
  std::string reason;  // apt's own words: Could not resolve 'host'
};

// An apt source a step adds, to name it when it fails: deb_line is its sources.list line.
struct NamedAptSource {
  std::string name;
  std::string deb_line;
};

// apt's "Failed to fetch URL  REASON" lines (W: or E:), each index once, in order.
std::vector<AptFetchFailure> apt_fetch_failures(std::string_view output);

// One sentence naming what failed, where it comes from (a step's source, or the image's own
// sources.list) and why: "apt-get update could not fetch 1 index: URL (the apt source NAME:
// deb ...): REASON". Empty when nothing failed.
std::string describe_apt_fetch_failures(const std::vector<AptFetchFailure>& failures,
                                        const std::vector<NamedAptSource>& named);

}  // namespace bootstrap
