// The Debian package, as a user gets it: `cpack -G DEB` in this build folder, then, in a fresh
// debian:bookworm tree (a copy of the image, booted with systemd-nspawn so that bootstrap can
// make its own sandboxes inside), `apt-get install ./bootstrap_<version>_amd64.deb` pulls in
// its dependencies, and the installed bootstrap runs: --version, plugins, a check.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/must_run.hpp"
#include "support/processes.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;

TEST(DebianPackage, InstallsInAFreshBookwormAndChecksABaselineThere) {
  BOOTSTRAP_REQUIRE_ROOT();
  BOOTSTRAP_SKIP_UNLESS(fs::exists("/usr/bin/systemd-nspawn"),
                        "needs systemd-nspawn (systemd-container)");
  BOOTSTRAP_SKIP_UNLESS(fs::exists("/usr/bin/cpack"), "needs cpack (cmake)");
  std::string mounts = testing::mounts();
  testing::TempDir dir;

  auto pack = testing::run({"/usr/bin/cpack", "-G", "DEB", "-B", (dir.path() / "pkg").string(),
                            "--config", std::string(BOOTSTRAP_BUILD_DIR) + "/CPackConfig.cmake"});
  ASSERT_EQ(pack.status, 0) << pack.out << pack.err;
  fs::path deb = dir.path() / "pkg" / ("bootstrap_" BOOTSTRAP_VERSION "_amd64.deb");
  ASSERT_TRUE(fs::exists(deb)) << pack.out;
  auto info = testing::run({"/usr/bin/dpkg-deb", "-f", deb.string(), "Depends"});
  EXPECT_NE(info.out.find("mmdebstrap"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("libstdc++6"), std::string::npos) << info.out;

  auto image = testing::bootstrap({"image", "build", "debian:bookworm"});
  ASSERT_EQ(image.status, 0) << image.err;
  fs::path root = dir.path() / "root";
  auto copy = testing::run(
      {"/bin/cp", "-a", "/var/cache/bootstrap/images/debian-bookworm/root", root.string()});
  ASSERT_EQ(copy.status, 0) << copy.err;
  fs::create_directories(root / "srv/pkg");
  fs::copy_file(deb, root / "srv/pkg" / deb.filename());
  std::ofstream(root / "srv/pkg/small.yaml") << "baseline: small\nos: [bookworm]\nsteps:\n  - "
                                                "fslayout: {directories: [{path: /srv/small}]}\n";

  std::string script =
      "set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null; "
      "apt-get install -y -q --no-install-recommends /srv/pkg/" +
      deb.filename().string() +
      " >/dev/null; "
      "bootstrap --version; bootstrap plugins; test -f /usr/share/man/man1/bootstrap-check.1; "
      "test -f /usr/share/bash-completion/completions/bootstrap; "
      "test -f /usr/share/zsh/vendor-completions/_bootstrap; "
      "bootstrap check /srv/pkg/small.yaml --image host --no-record";
  // CAP_NET_ADMIN: bootstrap brings up loopback in each sandbox's network namespace.
  auto r = testing::run(
      {"/usr/bin/systemd-nspawn", "-q", "--register=no", "--keep-unit",
       "--capability=CAP_NET_ADMIN", "-D", root.string(), "--pipe", "/bin/sh", "-c", script},
      {"NO_COLOR=1"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("bootstrap " BOOTSTRAP_VERSION "\n"), std::string::npos) << r.out;
  for (const char* plugin :
       {"daemontools", "eggmonster", "fslayout", "python", "setuptools", "sso"})
    EXPECT_NE(r.out.find(std::string("/usr/lib/bootstrap/plugins/") + plugin + ".so"),
              std::string::npos)
        << plugin;
  EXPECT_NE(r.out.find("4 passed, 0 failed"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(testing::mounts(), mounts) << "the container left mounts behind";
}

}  // namespace
}  // namespace bootstrap
