// check --upgrade's pieces that need no sandbox: the FROM..TO pair, dpkg status, package drift.
#include <gtest/gtest.h>

#include "bootstrap/upgrade.hpp"

namespace bootstrap {
namespace {

std::string refusal(const std::string& text) {
  try {
    parse_upgrade_pair(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(UpgradePair, AKnownOlderReleaseToANewerOneIsAPair) {
  UpgradePair p = parse_upgrade_pair("bookworm..trixie");
  EXPECT_EQ(p.from, "bookworm");
  EXPECT_EQ(p.to, "trixie");
  EXPECT_EQ(parse_upgrade_pair("bullseye..trixie").to, "trixie");
}

TEST(UpgradePair, OutOfOrderUnknownOrMalformedIsRefusedInOneLine) {
  EXPECT_EQ(refusal("trixie..bookworm"),
            "'trixie..bookworm': an upgrade goes from an older release to a newer one (bookworm "
            "is not newer than trixie)");
  EXPECT_EQ(refusal("bookworm..bookworm"),
            "'bookworm..bookworm': an upgrade goes from an older release to a newer one "
            "(bookworm is not newer than bookworm)");
  EXPECT_EQ(refusal("buster..bookworm"),
            "'buster..bookworm': unknown release 'buster' (known, oldest first: bullseye, "
            "bookworm, trixie)");
  EXPECT_EQ(refusal("bookworm-trixie"),
            "'bookworm-trixie' is not FROM..TO (e.g. bookworm..trixie)");
}

const char* kStatus =
    "Package: libffi7\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.3-6\n\n"
    "Package: oldconf\nStatus: deinstall ok config-files\nArchitecture: all\nVersion: 1.0\n\n"
    "Package: gone\nStatus: purge ok not-installed\nArchitecture: amd64\n\n"
    "Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36-9\n\n"
    "Package: python3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.11.2-1\n";

TEST(InstalledPackages, InstalledAndConfigFilesOnlyCountNotInstalledDoesNot) {
  auto p = installed_packages(kStatus);
  EXPECT_EQ(p.size(), 4u);
  EXPECT_EQ(p["libffi7"], "3.3-6");
  EXPECT_EQ(p["oldconf"], "1.0 (config files only)");
  EXPECT_EQ(p["libc6:i386"], "2.36-9");
  EXPECT_EQ(p["python3"], "3.11.2-1");
  EXPECT_EQ(p.count("gone"), 0u);
}

TEST(PackageDifferences, OnOneHostOnlyAndAnotherVersionAreEachOneLine) {
  auto d = package_differences(
      installed_packages(kStatus),
      {{"python3", "3.13.5-1"}, {"libffi8", "3.4.8-2"}, {"libc6:i386", "2.36-9"}});
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].line, "package libffi7 3.3-6: on the upgraded host only");
  EXPECT_EQ(d[1].line, "package libffi8 3.4.8-2: on a fresh host only");
  EXPECT_EQ(d[2].line, "package oldconf 1.0 (config files only): on the upgraded host only");
  EXPECT_EQ(d[3].package, "python3");
  EXPECT_EQ(d[3].line, "package python3: 3.11.2-1 on the upgraded host, 3.13.5-1 on a fresh one");
}

}  // namespace
}  // namespace bootstrap
