// What apt-get update could not fetch, read from its real output (captured from apt 2.6 on
// bookworm: a refused connection, a host name that does not resolve, a file: source that is
// not there). apt exited 0 for the first two.
#include "bootstrap/apt_update.hpp"

#include <gtest/gtest.h>

namespace bootstrap {
namespace {

const char* const kOutput =
    "Ign:1 http://127.0.0.1:9/debian bookworm InRelease\n"
    "Ign:2 http://apt.example.invalid/python bookworm InRelease\n"
    "Err:1 http://127.0.0.1:9/debian bookworm InRelease\n"
    "  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)\n"
    "Err:2 http://apt.example.invalid/python bookworm InRelease\n"
    "  Could not resolve 'apt.example.invalid'\n"
    "Reading package lists...\n"
    "W: Failed to fetch http://127.0.0.1:9/debian/dists/bookworm/InRelease  Could not connect to "
    "127.0.0.1:9 "
    "(127.0.0.1). - connect (111: Connection refused)\n"
    "W: Failed to fetch http://apt.example.invalid/python/dists/bookworm/InRelease  Could not "
    "resolve "
    "'apt.example.invalid'\n"
    "E: Failed to fetch file:/nonexistent/./Packages  File not found - /nonexistent/./Packages (2: "
    "No such file or "
    "directory)\n"
    "W: Some index files failed to download. They have been ignored, or old ones used instead.\n";

TEST(AptUpdate, ReadsEachIndexThatFailedWithAptsReason) {
  auto f = apt_fetch_failures(kOutput);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].url, "http://127.0.0.1:9/debian/dists/bookworm/InRelease");
  EXPECT_EQ(f[0].reason,
            "Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)");
  EXPECT_EQ(f[1].reason, "Could not resolve 'apt.example.invalid'");
  EXPECT_EQ(f[2].url, "file:/nonexistent/./Packages");
}

TEST(AptUpdate, IndexesThatFailForTheSameCauseAreOneSentence) {
  std::string out;
  for (const char* suite :
       {"bookworm", "bookworm-updates", "bookworm-backports", "bookworm-proposed"})
    out += std::string("W: Failed to fetch http://mirror.example/debian/dists/") + suite +
           "/InRelease  Temporary failure resolving 'mirror.example'\n";
  EXPECT_EQ(describe_apt_fetch_failures(apt_fetch_failures(out), {}),
            "apt-get update could not fetch 4 indexes of the package sources: "
            "http://mirror.example/debian/dists/bookworm/InRelease, "
            "http://mirror.example/debian/dists/bookworm-updates/InRelease, "
            "http://mirror.example/debian/dists/bookworm-backports/InRelease and 1 more: Temporary "
            "failure resolving "
            "'mirror.example' (one of the image's own sources in /etc/apt/sources.list*)");
}

TEST(AptUpdate, AnUpdateThatFetchedEverythingHasNoFailures) {
  EXPECT_TRUE(apt_fetch_failures(
                  "Hit:1 http://deb.example/debian bookworm InRelease\nReading package lists...\n")
                  .empty());
  EXPECT_EQ(describe_apt_fetch_failures({}, {}), "");
}

TEST(AptUpdate, NamesTheStepsSourceOrTheImagesOwn) {
  std::string s = describe_apt_fetch_failures(
      apt_fetch_failures(kOutput), {{"bootstrap-orgpython3",
                                     "deb [signed-by=/etc/apt/keyrings/bootstrap-orgpython3.asc] "
                                     "http://apt.example.invalid/python/ bookworm main"}});
  EXPECT_EQ(
      s,
      "apt-get update could not fetch 3 indexes of the package sources: "
      "http://127.0.0.1:9/debian/dists/bookworm/InRelease: Could not connect to 127.0.0.1:9 "
      "(127.0.0.1). - "
      "connect (111: Connection refused) (one of the image's own sources in "
      "/etc/apt/sources.list*); "
      "http://apt.example.invalid/python/dists/bookworm/InRelease: Could not resolve "
      "'apt.example.invalid' (the "
      "apt source bootstrap-orgpython3: deb [signed-by=/etc/apt/keyrings/bootstrap-orgpython3.asc] "
      "http://apt.example.invalid/python/ bookworm main); "
      "file:/nonexistent/./Packages: File not found - /nonexistent/./Packages (2: No such file or "
      "directory) (one "
      "of the image's own sources in /etc/apt/sources.list*)");
}

}  // namespace
}  // namespace bootstrap
