// The fslayout plugin through the real loader, applied to a scratch root.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "bootstrap/apply.hpp"
#include "bootstrap/root_host.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;

class FslayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins.load_all();
    fs::create_directories(root.path() / "etc");
    std::ofstream(root.path() / "etc/passwd")
        << "root:x:0:0:root:/root:/bin/sh\nweb:x:3000:3000::/srv:/bin/false\n";
    std::ofstream(root.path() / "etc/group") << "root:x:0:\nweb:x:3000:\n";
  }

  ApplyReport apply(const std::string& steps, bool verify = true) {
    Baseline b = parse_baseline("baseline: t\nos: [bookworm]\nsteps:\n" + steps,
                                (dir.path() / "t.yaml").string());
    b.file = dir.path() / "t.yaml";
    ConfiguredBaseline c = configure_baseline(b, plugins);
    RootHost host(root.path());
    return apply_baseline(c, host, verify);
  }

  struct stat stat_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(lstat((root.path() / p).c_str(), &st), 0) << p;
    return st;
  }

  PluginHost plugins{{BOOTSTRAP_PLUGIN_DIR}};
  testing::TempDir root;
  testing::TempDir dir;
};

const char* kLayout =
    "  - fslayout:\n"
    "      groups: [{name: apps, gid: 2000}, {name: ops}]\n"
    "      directories:\n"
    "        - {path: /srv/apps, group: apps, mode: '2775'}\n"
    "        - {path: /srv/web, owner: web, group: web, mode: '0750'}\n"
    "      files:\n"
    "        - {path: /etc/app.conf, content: \"a = 1\\n\", group: apps, mode: '0640'}\n"
    "      symlinks:\n"
    "        - {path: /srv/current, target: apps}\n"
    "      absent: [/etc/legacy]\n";

TEST_F(FslayoutTest, CreatesTheLayoutWithTheTargetsOwnersThenReportsNoChange) {
  std::ofstream(root.path() / "etc/legacy") << "old";
  ApplyReport first = apply(kLayout);
  ASSERT_TRUE(first.verified()) << (first.steps[0].error ? *first.steps[0].error : "");
  EXPECT_EQ(first.count(ChangeKind::Removed), 1u);
  EXPECT_EQ(first.count(ChangeKind::Created), 7u);  // 2 groups, parent /srv, 2 dirs, a file, a link
  auto apps = stat_of("srv/apps");
  EXPECT_EQ(apps.st_mode & 07777, 02775u);
  EXPECT_EQ(apps.st_gid, 2000u);
  auto web = stat_of("srv/web");
  EXPECT_EQ(web.st_uid, 3000u);  // 'web' as the target knows it
  EXPECT_EQ(stat_of("etc/app.conf").st_mode & 07777, 0640u);
  EXPECT_EQ(fs::read_symlink(root.path() / "srv/current"), "apps");
  EXPECT_FALSE(fs::exists(root.path() / "etc/legacy"));
  std::ifstream group(root.path() / "etc/group");
  std::string text((std::istreambuf_iterator<char>(group)), {});
  EXPECT_NE(text.find("apps:x:2000:\n"), std::string::npos);
  EXPECT_NE(text.find("ops:x:1000:\n"), std::string::npos);  // first free gid, like groupadd

  ApplyReport second = apply(kLayout);
  EXPECT_TRUE(second.verified());
  EXPECT_EQ(second.changes(), 0u);
}

TEST_F(FslayoutTest, DriftIsRepairedAndReportedAsModified) {
  ASSERT_TRUE(apply(kLayout).verified());
  chmod((root.path() / "srv/apps").c_str(), 0700);
  std::ofstream(root.path() / "etc/app.conf") << "tampered";
  fs::remove(root.path() / "srv/current");
  fs::create_symlink("web", root.path() / "srv/current");
  ApplyReport r = apply(kLayout);
  ASSERT_TRUE(r.verified());
  EXPECT_EQ(r.count(ChangeKind::Modified), 3u);
  std::vector<std::string> details;
  for (const auto& c : r.steps[0].changes) details.push_back(c.what + ": " + c.detail);
  EXPECT_NE(std::find(details.begin(), details.end(), "/srv/apps: mode 0700 -> 2775"),
            details.end());
  EXPECT_NE(std::find(details.begin(), details.end(), "/etc/app.conf: content"), details.end());
  EXPECT_NE(std::find(details.begin(), details.end(), "/srv/current: symlink web -> apps"),
            details.end());
}

TEST_F(FslayoutTest, VerifyNamesWhatIsWrong) {
  ASSERT_TRUE(apply(kLayout).verified());
  chmod((root.path() / "srv/web").c_str(), 0755);
  Baseline b =
      parse_baseline("baseline: t\nos: [bookworm]\nsteps:\n" + std::string(kLayout), "t.yaml");
  ConfiguredBaseline c = configure_baseline(b, plugins);
  RootHost host(root.path());
  std::vector<Check> checks;
  ASSERT_FALSE(c.steps[0].instance.port().verify(host, checks));
  bool found = false;
  for (const auto& check : checks)
    if (check.name == "/srv/web is a directory 0750 web:web") {
      found = true;
      EXPECT_FALSE(check.passed);
      EXPECT_EQ(check.detail, "would need mode 0755 -> 0750");
    }
  EXPECT_TRUE(found);
}

TEST_F(FslayoutTest, AnUnknownOwnerInTheTargetFailsWithTheStepsMark) {
  ApplyReport r = apply("  - fslayout:\n      directories: [{path: /srv/x, owner: daemon}]\n");
  ASSERT_FALSE(r.applied());
  EXPECT_NE(r.steps[0].error->find(
                "t.yaml:5:21: /srv/x: owner 'daemon' is not a user in the target's /etc/passwd"),
            std::string::npos)
      << *r.steps[0].error;
}

TEST_F(FslayoutTest, AFilePlantedAsASymlinkIsRefusedNotFollowed) {
  testing::TempDir outside;
  std::ofstream(outside.path() / "motd") << "outside\n";
  fs::create_symlink(outside.path() / "motd", root.path() / "etc/motd");
  ApplyReport r = apply("  - fslayout:\n      files: [{path: /etc/motd, content: pwned}]\n");
  ASSERT_FALSE(r.applied());
  EXPECT_NE(r.steps[0].error->find("/etc/motd is a symlink in the target, not a file"),
            std::string::npos);
  std::ifstream in(outside.path() / "motd");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "outside\n");
}

TEST_F(FslayoutTest, SourceFilesAreReadNextToTheBaseline) {
  std::ofstream(dir.path() / "banner.txt") << "welcome\n";
  ApplyReport r = apply("  - fslayout:\n      files: [{path: /etc/issue, source: banner.txt}]\n");
  ASSERT_TRUE(r.verified());
  std::ifstream in(root.path() / "etc/issue");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "welcome\n");
}

}  // namespace
}  // namespace bootstrap
