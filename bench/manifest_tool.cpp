// bootstrap-manifest-bench DIR [--threads N] [--ignore-builtin] [--json]
// Builds the manifest of DIR and prints its entry count and digest (or the JSON). Timed by
// bench/manifest_vs_xxhsum.sh against find | xargs xxhsum.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "bootstrap/manifest.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [--threads N] [--ignore-builtin] [--json]\n", argv[0]);
    return 2;
  }
  bootstrap::ManifestOptions options;
  bootstrap::IgnoreRules rules = bootstrap::IgnoreRules::builtin();
  bool json = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      options.threads = std::stoi(argv[++i]);
    } else if (a == "--ignore-builtin") {
      options.ignore = &rules;
    } else if (a == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
      return 2;
    }
  }
  try {
    auto m = bootstrap::build_manifest(argv[1], options);
    if (json) {
      std::cout << m.to_json().dump(1) << "\n";
    } else {
      auto s = bootstrap::summarize(m);
      std::printf("%zu entries (%zu files, %llu bytes) %s\n", m.size(), s.files,
                  static_cast<unsigned long long>(s.file_bytes), m.digest().c_str());
    }
    // Done: the process ends without freeing the manifest entry by entry (~1 ms for a rootfs;
    // the kernel takes the memory back at once). Output is flushed first.
    std::cout.flush();
    std::fflush(stdout);
    std::quick_exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
