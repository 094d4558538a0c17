// bootstrap export: dragoman, checked on bookworm, exported as a tar archive and as an OCI
// image. The archive is the same bytes twice; skopeo reads the image; umoci unpacks it into the
// same tree as the dir export (an independent walk compares them); bootstrap runs Python's ssl
// in the unpacked tree; nothing of the build host's identity is left. And the refusals.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "plugins/sandbox_check_fixture.hpp"
#include "support/walk.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDragoman = std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml";

// The check the exports come from starts the node's services: none may outlive it, and no
// mount or scratch tree may outlive the exports (SandboxCheckTest).
class ExportTest : public SandboxCheckTest {
 protected:
  ExportTest() : SandboxCheckTest({"svscan", "supervise", "/usr/sbin/sshd", "monster_launchd"}) {}
  std::string file(const std::string& name) const { return (dir.path() / name).string(); }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  // A passing check of dragoman on bookworm, its record in rec.json; the record's digest.
  std::string checked() {
    auto r = check_file(kDragoman, {"--os", "bookworm", "--record-out", file("rec.json")});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    return json::parse(read(file("rec.json")))["records"][0].value("manifest_digest", "");
  }
  testing::Ran export_as(const std::string& format, const std::string& out) {
    return testing::bootstrap({"export", kDragoman, "--os", "bookworm", "--format", format, "-o",
                               file(out), "--record", file("rec.json")});
  }
};

TEST_F(ExportTest, TarTwiceIsTheSameBytesWithOneTimeAndNoHostIdentity) {
  std::string digest = checked();
  ASSERT_FALSE(digest.empty());
  auto a = export_as("tar", "a.tar");
  ASSERT_EQ(a.status, 0) << a.out << a.err;
  EXPECT_NE(a.out.find("result " + digest), std::string::npos) << a.out;
  auto b = export_as("tar", "b.tar");
  ASSERT_EQ(b.status, 0) << b.out << b.err;
  EXPECT_TRUE(read(file("a.tar")) == read(file("b.tar"))) << "two exports of one record differ";

  auto list = testing::run({"/usr/bin/tar", "--list", "--verbose", "--full-time", "--numeric-owner",
                            "--file", file("a.tar")});
  ASSERT_EQ(list.status, 0) << list.err;
  for (const char* path : {"./etc/dragoman/node.conf", "./srv/apps/dragoman/bin/dragoman-node",
                           "./etc/sudoers.d/", "./etc/daemontools/dragoman-health/run"})
    EXPECT_NE(list.out.find(std::string(" ") + path + "\n"), std::string::npos) << path;
  EXPECT_NE(list.out.find(" 0/2000 "), std::string::npos) << "the apps group's gid, numeric";
  for (const char* gone : {"./etc/ssh/ssh_host_ed25519_key", "./etc/hostname", "./etc/resolv.conf",
                           "./var/cache/apt/archives/python3_"})
    EXPECT_EQ(list.out.find(std::string(" ") + gone), std::string::npos) << gone;
  EXPECT_NE(list.out.find(" ./etc/systemd/system/bootstrap-ssh-host-keys.service\n"),
            std::string::npos);
  // Every entry has the check's time: the record's, not the files'.
  std::istringstream lines(list.out);
  std::string line, first_time;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string mode, owner, size, day, time;
    words >> mode >> owner >> size >> day >> time;
    if (first_time.empty()) first_time = day + " " + time;
    ASSERT_EQ(day + " " + time, first_time) << line;
  }
  // The archive extracts to the tree the dir export writes.
  auto d = export_as("dir", "tree");
  ASSERT_EQ(d.status, 0) << d.out << d.err;
  fs::create_directory(file("x"));
  auto x = testing::run({"/usr/bin/tar", "--extract", "--same-owner", "--same-permissions",
                         "--xattrs", "--xattrs-include=*", "--numeric-owner", "--file",
                         file("a.tar"), "--directory", file("x")});
  ASSERT_EQ(x.status, 0) << x.err;
  EXPECT_EQ(testing::walk_tree(file("x")), testing::walk_tree(file("tree")));
}

TEST_F(ExportTest, OciIsReadBySkopeoUnpackedByUmociToTheSameTreeAndRunsPythonsSsl) {
  std::string digest = checked();
  auto a = export_as("oci", "img");
  ASSERT_EQ(a.status, 0) << a.out << a.err;
  auto b = export_as("oci", "img2");
  ASSERT_EQ(b.status, 0) << b.out << b.err;
  auto same = testing::run({"/usr/bin/diff", "-r", file("img"), file("img2")});
  EXPECT_EQ(same.status, 0) << "two exports of one record differ: " << same.out;

  auto inspect = testing::run({"/usr/bin/skopeo", "inspect", "oci:" + file("img") + ":latest"});
  ASSERT_EQ(inspect.status, 0) << inspect.out << inspect.err;
  json image = json::parse(inspect.out);
  EXPECT_EQ(image["Labels"].value("dev.bootstrap.result-digest", ""), digest);
  EXPECT_EQ(image.value("Os", ""), "linux");
  EXPECT_EQ(image["Layers"].size(), 1u);

  auto unpacked = testing::run(
      {"/usr/bin/umoci", "unpack", "--image", file("img") + ":latest", file("bundle")});
  ASSERT_EQ(unpacked.status, 0) << unpacked.out << unpacked.err;
  auto d = export_as("dir", "tree");
  ASSERT_EQ(d.status, 0) << d.out << d.err;
  EXPECT_EQ(testing::walk_tree(file("bundle") + "/rootfs"), testing::walk_tree(file("tree")));

  std::string rootfs = "dir:" + file("bundle") + "/rootfs";
  auto ssl = testing::bootstrap(
      {"run", rootfs, "--", "python3", "-c", "import ssl; print(ssl.OPENSSL_VERSION)"});
  EXPECT_EQ(ssl.status, 0) << ssl.out << ssl.err;
  EXPECT_NE(ssl.out.find("OpenSSL"), std::string::npos) << ssl.out;
  auto node = testing::bootstrap(
      {"run", rootfs, "--", "/srv/apps/dragoman/bin/python", "-c", "import dragoman_node"});
  EXPECT_EQ(node.status, 0) << node.out << node.err;
  auto conf = testing::bootstrap({"run", rootfs, "--", "cat", "/etc/dragoman/node.conf"});
  EXPECT_NE(conf.out.find("service = dragoman"), std::string::npos) << conf.out << conf.err;
}

TEST_F(ExportTest, WithoutARecordOrOverAnExistingPathItRefusesInOneLine) {
  std::ofstream(file("never.yaml")) << "baseline: never-checked-export\nos: [bookworm]\nsteps:\n"
                                       "  - fslayout: {directories: [{path: /srv/never}]}\n";
  auto none = testing::bootstrap(
      {"export", file("never.yaml"), "--os", "bookworm", "--format", "tar", "-o", file("n.tar")});
  EXPECT_EQ(none.status, 2) << none.out << none.err;
  EXPECT_NE(none.err.find("nothing to export: no passing check record for baseline "
                          "'never-checked-export' on bookworm"),
            std::string::npos)
      << none.err;
  EXPECT_FALSE(fs::exists(file("n.tar")));
  std::ofstream(file("there.tar")) << "mine";
  auto there = testing::bootstrap({"export", file("never.yaml"), "--os", "bookworm", "--format",
                                   "tar", "-o", file("there.tar")});
  EXPECT_EQ(there.status, 2) << there.err;
  EXPECT_NE(there.err.find("exists"), std::string::npos) << there.err;
  EXPECT_EQ(read(file("there.tar")), "mine");
  auto format = testing::bootstrap(
      {"export", file("never.yaml"), "--os", "bookworm", "--format", "zip", "-o", file("z")});
  EXPECT_EQ(format.status, 2) << format.err;
}

}  // namespace
}  // namespace bootstrap
