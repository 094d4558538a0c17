// Picking the mirror from apt sources, both syntaxes.
#include "bootstrap/sandbox/apt_sources.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/system_error.hpp"

namespace fs = std::filesystem;
using namespace bootstrap;
using namespace bootstrap::sandbox;

namespace {

struct AptDir {
  AptDir() {
    char t[] = "/tmp/bootstrap-apt-XXXXXX";
    root = mkdtemp(t);
    fs::create_directories(root / "sources.list.d");
  }
  ~AptDir() { fs::remove_all(root); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(root / name) << text;
  }
  fs::path root;
};

TEST(AptSources, Deb822WithSecurityAndThirdParty) {
  AptDir apt;
  apt.write(
      "sources.list.d/debian.sources",
      "Types: deb\n# http://snapshot.debian.org/archive/debian/20250520T000000Z\n"
      "URIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
      "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
      "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
  apt.write("sources.list.d/docker.list",
            "deb [arch=amd64 signed-by=/k.gpg] https://download.docker.com/linux/debian bookworm "
            "stable\n");
  apt.write("sources.list.d/vendor.sources",
            "Types: deb\nURIs: https://vendor.example/apt\nSuites: bookworm\nComponents: main\n");
  apt.write("sources.list.d/off.sources",
            "Enabled: no\nTypes: deb\nURIs: http://disabled.example/debian\nSuites: "
            "bookworm\nComponents: main\n");
  DebianMirrors m = find_debian_mirrors(read_apt_sources(apt.root));
  EXPECT_EQ(m.archive, "http://mirror.example/debian");
  EXPECT_EQ(m.archive_signed_by, "/usr/share/keyrings/debian-archive-keyring.gpg");
  EXPECT_EQ(m.security, "http://mirror.example/debian-security");
}

TEST(AptSources, OneLineSourcesList) {
  AptDir apt;
  apt.write("sources.list",
            "# comment\ndeb http://ftp.example.org/debian/ bullseye main contrib\n"
            "deb-src http://ftp.example.org/debian/ bullseye main\n"
            "deb http://security.example.org/debian-security bullseye-security main\n"
            "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n");
  DebianMirrors m = find_debian_mirrors(read_apt_sources(apt.root));
  EXPECT_EQ(m.archive, "http://ftp.example.org/debian/");
  EXPECT_EQ(m.security, "http://security.example.org/debian-security");
}

TEST(AptSources, NoDebianArchiveIsAnEnvironmentError) {
  AptDir apt;
  apt.write("sources.list", "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n");
  EXPECT_THROW(find_debian_mirrors(read_apt_sources(apt.root)), EnvironmentError);
}

TEST(AptSources, ThisMachineHasOne) {
  DebianMirrors m = find_debian_mirrors(read_apt_sources());
  EXPECT_FALSE(m.archive.empty());
}

}  // namespace
