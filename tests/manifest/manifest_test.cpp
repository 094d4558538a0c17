#include "bootstrap/manifest.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "bootstrap/digest.hpp"
#include "support/must_run.hpp"
#include "temp_tree.hpp"

namespace bootstrap {
namespace {

using Type = ManifestEntry::Type;
using testing::TempTree;

bool set_xattr(const std::filesystem::path& p, const char* name, std::string_view value) {
  return ::lsetxattr(p.c_str(), name, value.data(), value.size(), 0) == 0;
}

void set_mtime(const std::filesystem::path& p, long sec) {
  struct timespec ts[2] = {{sec, 0}, {sec, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0);
}

// A small upper layer: a file, an executable, a directory, a symlink, a FIFO and a big file.
void populate(const TempTree& t) {
  t.file("etc/foo.conf", "key = value\n", 0644);
  t.file("usr/local/bin/tool", "#!/bin/sh\necho hi\n", 0755);
  t.dir("srv/data", 0750);
  t.symlink("etc/alternatives/editor", "/usr/bin/vim");
  ASSERT_EQ(::mkfifo((t / "run-fifo").c_str(), 0600), 0);
  std::string big(5 * (1 << 20) + 3, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i % 251);
  t.file("opt/big.bin", big, 0600);
}

TEST(BuildManifest, RecordsEveryEntrySortedWithItsFields) {
  TempTree t;
  populate(t);
  Manifest m = build_manifest(t.root());

  std::vector<std::string> paths;
  for (const auto& e : m.entries()) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "/etc", "/etc/alternatives", "/etc/alternatives/editor", "/etc/foo.conf",
                       "/opt", "/opt/big.bin", "/run-fifo", "/srv", "/srv/data", "/usr",
                       "/usr/local", "/usr/local/bin", "/usr/local/bin/tool"}));

  const auto* foo = m.find("/etc/foo.conf");
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->type, Type::File);
  EXPECT_EQ(foo->mode, 0644u);
  EXPECT_EQ(foo->uid, ::geteuid());
  EXPECT_EQ(foo->gid, ::getegid());
  EXPECT_EQ(foo->size, 12u);
  EXPECT_EQ(foo->digest, digest_bytes("key = value\n").text());
  EXPECT_EQ(foo->mtime_ns, 0) << "mtimes are recorded only with strict_times";

  EXPECT_EQ(m.find("/usr/local/bin/tool")->mode, 0755u);
  EXPECT_EQ(m.find("/srv/data")->type, Type::Dir);
  EXPECT_EQ(m.find("/srv/data")->mode, 0750u);
  EXPECT_EQ(m.find("/srv/data")->size, 0u);
  const auto* link = m.find("/etc/alternatives/editor");
  EXPECT_EQ(link->type, Type::Symlink);
  EXPECT_EQ(link->link_target, "/usr/bin/vim");
  EXPECT_TRUE(link->digest.empty());
  EXPECT_EQ(m.find("/run-fifo")->type, Type::Fifo);
  EXPECT_EQ(m.find("/opt/big.bin")->size, 5u * (1 << 20) + 3);
  EXPECT_EQ(m.find("/nope"), nullptr);

  auto s = summarize(m);
  EXPECT_EQ(s.files, 3u);
  EXPECT_EQ(s.dirs, 8u);
  EXPECT_EQ(s.symlinks, 1u);
  EXPECT_EQ(s.others, 1u);
  EXPECT_EQ(s.whiteouts, 0u);
}

TEST(BuildManifest, DoesNotFollowSymlinks) {
  TempTree t;
  t.file("outside/secret", "s");
  t.symlink("upper/etc", (t / "outside").string());
  Manifest m = build_manifest(t / "upper");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.entries()[0].type, Type::Symlink);
}

TEST(BuildManifest, DigestIsStableAcrossRunsAndThreadCounts) {
  TempTree t;
  populate(t);
  for (int i = 0; i < 40; ++i)
    t.file("many/f" + std::to_string(i), std::string(i * 1000, 'a' + i % 26));
  ManifestOptions one{.threads = 1, .strict_times = false, .ignore = nullptr};
  ManifestOptions four{.threads = 4, .strict_times = false, .ignore = nullptr};
  Manifest a = build_manifest(t.root(), one);
  Manifest b = build_manifest(t.root(), four);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(a.digest(), build_manifest(t.root()).digest());
  EXPECT_TRUE(a.digest().starts_with("xxh3-128:"));

  TempTree u;  // the same content elsewhere, written later: the same digest
  populate(u);
  for (int i = 0; i < 40; ++i)
    u.file("many/f" + std::to_string(i), std::string(i * 1000, 'a' + i % 26));
  EXPECT_EQ(build_manifest(u.root()).digest(), a.digest());
}

TEST(BuildManifest, MtimeIsIgnoredUnlessStrict) {
  TempTree a, b;
  a.file("etc/x", "same");
  b.file("etc/x", "same");
  set_mtime(a / "etc/x", 1000);
  set_mtime(b / "etc/x", 2000);
  // The folders were made a moment apart; pin their times so only the file's differ.
  set_mtime(a / "etc", 500);
  set_mtime(b / "etc", 500);
  EXPECT_EQ(build_manifest(a.root()).digest(), build_manifest(b.root()).digest());
  EXPECT_TRUE(compare(build_manifest(a.root()), build_manifest(b.root()), {}, false).empty());

  ManifestOptions strict{.threads = 0, .strict_times = true, .ignore = nullptr};
  Manifest ma = build_manifest(a.root(), strict), mb = build_manifest(b.root(), strict);
  EXPECT_EQ(ma.find("/etc/x")->mtime_ns, 1000'000'000'000);
  EXPECT_NE(ma.digest(true), mb.digest(true));
  auto diffs = compare(ma, mb, {}, true);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].path, "/etc/x");
  EXPECT_EQ(diffs[0].fields, std::vector<std::string>{"mtime"});
  EXPECT_TRUE(compare(ma, mb, {}, false).empty()) << "without strict, mtimes are not compared";
}

TEST(BuildManifest, ReadsUserXattrsSorted) {
  TempTree t;
  t.file("f", "x");
  if (!set_xattr(t / "f", "user.b", "2") || !set_xattr(t / "f", "user.a", std::string("\0\1", 2))) {
    GTEST_SKIP() << "user xattrs are not supported on /tmp";
  }
  t.dir("d");
  ASSERT_TRUE(set_xattr(t / "d", "user.dir", "yes"));
  Manifest m = build_manifest(t.root());
  using X = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(m.find("/f")->xattrs, (X{{"user.a", std::string("\0\1", 2)}, {"user.b", "2"}}));
  EXPECT_EQ(m.find("/d")->xattrs, (X{{"user.dir", "yes"}}));

  // Binary values survive a JSON round trip.
  auto j = m.to_json();
  EXPECT_EQ(j["entries"][1]["xattrs"]["user.a"], "hex:0001");
  EXPECT_EQ(Manifest::from_json(nlohmann::json::parse(j.dump())), m);
}

TEST(BuildManifest, IgnoredPathsAreDroppedWhileWalking) {
  TempTree t;
  t.file("var/log/dpkg.log", "log");
  t.file("var/log/apt/history.log", "log");
  t.file("etc/resolv.conf", "nameserver 1.1.1.1\n");
  t.file("usr/lib/python3/m/__pycache__/a.cpython-311.pyc", "bytecode");
  t.file("usr/lib/python3/m/b.pyc", "bytecode");
  t.file("usr/lib/python3/m/a.py", "print()\n");
  t.file("etc/resolv.conf.orig", "kept");
  auto rules = IgnoreRules::builtin();
  ManifestOptions o{.threads = 2, .strict_times = false, .ignore = &rules};
  Manifest m = build_manifest(t.root(), o);
  std::vector<std::string> paths;
  for (const auto& e : m.entries()) paths.push_back(e.path);
  // /var/log itself stays (only what is under it is ignored); everything else is kept.
  EXPECT_EQ(paths, (std::vector<std::string>{"/etc", "/etc/resolv.conf.orig", "/usr", "/usr/lib",
                                             "/usr/lib/python3", "/usr/lib/python3/m",
                                             "/usr/lib/python3/m/a.py", "/var", "/var/log"}));
}

TEST(Manifest, JsonRoundTripAndValidation) {
  TempTree t;
  populate(t);
  Manifest m = build_manifest(t.root());
  auto j = m.to_json();
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["algorithm"], "xxh3-128");
  Manifest back = Manifest::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back, m);
  EXPECT_EQ(back.digest(), m.digest());

  auto bad = j;
  bad["schema_version"] = 99;
  EXPECT_THROW(Manifest::from_json(bad), std::invalid_argument);
  bad = j;
  bad["entries"].push_back(j["entries"][0]);
  EXPECT_THROW(Manifest::from_json(bad), std::invalid_argument) << "duplicate path";
}

// What fuzz_manifest found: numbers out of range were converted by undefined behaviour. A
// manifest comes back from a cache CI may have restored from anywhere: out of range is refused.
TEST(Manifest, NumbersOutOfRangeInAStoredManifestAreRefused) {
  auto entry = [](const char* field, nlohmann::json value) {
    nlohmann::json e = {{"path", "/etc/x"}, {"type", "file"}, {"mode", "0644"},
                        {"uid", 0},         {"gid", 0},       {"size", 1}};
    e[field] = std::move(value);
    return nlohmann::json{{"schema_version", 1}, {"algorithm", "xxh3-128"}, {"entries", {e}}};
  };
  EXPECT_THROW(Manifest::from_json(entry("uid", 4.4e44)), std::invalid_argument);
  EXPECT_THROW(Manifest::from_json(entry("gid", -1)), std::invalid_argument);
  EXPECT_THROW(Manifest::from_json(entry("size", "12")), std::invalid_argument);
  EXPECT_THROW(Manifest::from_json(entry("mode", "99")), std::invalid_argument);
  EXPECT_THROW(Manifest::from_json(entry("mode", "017777")), std::invalid_argument);
  EXPECT_THROW(Manifest::from_json(entry("mtime_ns", 1e300)), std::invalid_argument);
  auto j = entry("uid", 7);
  j["schema_version"] = 7.7e29;
  EXPECT_THROW(Manifest::from_json(j), std::invalid_argument);
  EXPECT_EQ(Manifest::from_json(entry("uid", 4294967294u)).entries()[0].uid, 4294967294u);
}

TEST(Compare, ReportsEachKindOfDifferenceByField) {
  TempTree a, b;
  for (const auto* t : {&a, &b}) {
    t->file("etc/same", "same");
    t->dir("srv");
  }
  a.file("etc/content", "one\n");
  b.file("etc/content", "two\n");
  a.file("etc/mode", "m", 0644);
  b.file("etc/mode", "m", 0600);
  a.symlink("etc/link", "/a");
  b.symlink("etc/link", "/b");
  a.file("only-a", "a");
  b.file("only-b", "b");
  a.file("etc/type", "file");
  b.symlink("etc/type", "/x");
  bool xattrs = set_xattr(a / "srv", "user.x", "1") && set_xattr(b / "srv", "user.x", "2");

  Manifest ma = build_manifest(a.root()), mb = build_manifest(b.root());
  EXPECT_NE(ma.digest(), mb.digest());
  auto diffs = compare(ma, mb, {});
  std::map<std::string, Difference> by_path;
  for (auto& d : diffs) by_path[d.path] = d;

  EXPECT_EQ(by_path.count("/etc/same"), 0u);
  const auto& content = by_path.at("/etc/content");
  EXPECT_EQ(content.kind, Difference::Kind::Differs);
  EXPECT_EQ(content.fields, std::vector<std::string>{"content"});
  std::string text = content.to_string();
  EXPECT_TRUE(text.starts_with("/etc/content: content differs (xxh3-128:")) << text;
  EXPECT_NE(text.find(" vs xxh3-128:"), std::string::npos) << text;

  EXPECT_EQ(by_path.at("/etc/mode").fields, std::vector<std::string>{"mode"});
  EXPECT_EQ(by_path.at("/etc/mode").to_string(), "/etc/mode: mode differs (0644 vs 0600)");
  EXPECT_EQ(by_path.at("/etc/link").to_string(), "/etc/link: link_target differs (/a vs /b)");
  EXPECT_EQ(by_path.at("/etc/type").fields, std::vector<std::string>{"type"});
  EXPECT_EQ(by_path.at("/only-a").kind, Difference::Kind::OnlyInA);
  EXPECT_TRUE(by_path.at("/only-a").to_string().starts_with("/only-a: only in run A (file 0644"))
      << by_path.at("/only-a").to_string();
  EXPECT_EQ(by_path.at("/only-b").kind, Difference::Kind::OnlyInB);
  EXPECT_TRUE(by_path.at("/only-b").to_string().starts_with("/only-b: only in run B"));
  if (xattrs) {
    EXPECT_EQ(by_path.at("/srv").to_string(), "/srv: xattr user.x differs (\"1\" vs \"2\")");
  }
  EXPECT_EQ(diffs.size(), xattrs ? 7u : 6u);
  EXPECT_TRUE(compare(ma, ma, {}).empty());
}

TEST(Compare, OwnerDifferences) {
  BOOTSTRAP_REQUIRE_ROOT();
  TempTree a, b;
  a.file("etc/x", "x");
  b.file("etc/x", "x");
  ASSERT_EQ(::lchown((b / "etc/x").c_str(), 1234, 5678), 0);
  auto diffs = compare(build_manifest(a.root()), build_manifest(b.root()), {});
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].fields, (std::vector<std::string>{"uid", "gid"}));
  EXPECT_EQ(diffs[0].to_string(), "/etc/x: uid, gid differ (uid 0, gid 0 vs uid 1234, gid 5678)");
}

TEST(Compare, IgnoreRulesHideWhatTheyShouldAndNothingElse) {
  TempTree a, b;
  a.file("var/log/dpkg.log", "a");
  b.file("var/log/dpkg.log", "b");
  a.file("etc/resolv.conf", "a");
  a.file("usr/lib/x.pyc", "a");
  b.file("usr/lib/x.pyc", "b");
  a.file("etc/kept", "a");
  b.file("etc/kept", "b");
  auto diffs = compare(build_manifest(a.root()), build_manifest(b.root()), IgnoreRules::builtin());
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].path, "/etc/kept");
  EXPECT_EQ(compare(build_manifest(a.root()), build_manifest(b.root()), {}).size(), 4u);
}

TEST(BuildManifest, WhiteoutsAndOpaqueDirectories) {
  BOOTSTRAP_REQUIRE_ROOT();
  TempTree t;
  t.dir("etc");
  ASSERT_EQ(::mknod((t / "etc/removed").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
  ASSERT_EQ(::mknod((t / "etc/tty9").c_str(), S_IFCHR | 0620, makedev(4, 9)), 0);
  t.dir("opt/replaced");
  ASSERT_TRUE(set_xattr(t / "opt/replaced", "trusted.overlay.opaque", "y"));
  ASSERT_TRUE(set_xattr(t / "opt/replaced", "trusted.overlay.origin", "junk"));
  t.dir("opt/userxattr");
  ASSERT_TRUE(set_xattr(t / "opt/userxattr", "user.overlay.opaque", "y"));
  t.dir("opt/plain");
  Manifest m = build_manifest(t.root());

  const auto* w = m.find("/etc/removed");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->type, Type::Whiteout);
  EXPECT_EQ(describe(*w), "removed");
  EXPECT_EQ(m.find("/etc/tty9")->type, Type::CharDev);
  EXPECT_EQ(m.find("/etc/tty9")->rdev, makedev(4, 9));
  EXPECT_TRUE(m.find("/opt/replaced")->opaque);
  EXPECT_TRUE(m.find("/opt/replaced")->xattrs.empty()) << "overlay's own xattrs are left out";
  EXPECT_TRUE(m.find("/opt/userxattr")->opaque);
  EXPECT_FALSE(m.find("/opt/plain")->opaque);
  auto s = summarize(m);
  EXPECT_EQ(s.whiteouts, 1u);
  EXPECT_EQ(s.opaque_dirs, 2u);
  EXPECT_EQ(Manifest::from_json(m.to_json()), m);
}

TEST(BuildManifest, KeepsSecurityCapability) {
  BOOTSTRAP_REQUIRE_ROOT();
  TempTree t;
  t.file("usr/bin/ping", "elf");
  // VFS_CAP_REVISION_2 with cap_net_raw permitted + effective: what `setcap cap_net_raw+ep` writes.
  const unsigned char cap[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0,
                                 0,    0,    0,    0,    0,    0,    0,    0,    0, 0};
  ASSERT_TRUE(set_xattr(t / "usr/bin/ping", "security.capability",
                        std::string_view(reinterpret_cast<const char*>(cap), sizeof cap)));
  Manifest m = build_manifest(t.root());
  const auto& x = m.find("/usr/bin/ping")->xattrs;
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].first, "security.capability");
  EXPECT_EQ(x[0].second.size(), sizeof cap);
}

TEST(BuildManifest, ReadsXattrsOfSymlinksAndSpecialFilesWithoutFollowingThem) {
  BOOTSTRAP_REQUIRE_ROOT();  // trusted.* xattrs; user.* ones are not allowed on symlinks
  TempTree t;
  t.file("etc/target", "x");
  ASSERT_TRUE(set_xattr(t / "etc/target", "trusted.bootstrap.target", "not me"));
  t.symlink("etc/link", "target");
  ASSERT_TRUE(set_xattr(t / "etc/link", "trusted.bootstrap.link", "the link's own"));
  ASSERT_EQ(::mkfifo((t / "run-fifo").c_str(), 0600), 0);
  ASSERT_TRUE(set_xattr(t / "run-fifo", "trusted.bootstrap.fifo", "1"));
  Manifest m = build_manifest(t.root());
  using X = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(m.find("/etc/link")->xattrs, (X{{"trusted.bootstrap.link", "the link's own"}}));
  EXPECT_EQ(m.find("/run-fifo")->xattrs, (X{{"trusted.bootstrap.fifo", "1"}}));
  EXPECT_EQ(m.find("/etc/target")->xattrs, (X{{"trusted.bootstrap.target", "not me"}}));
}

TEST(ListChanges, CreatedModifiedRemovedAndCopiedUpParentsLeftOut) {
  TempTree lower, upper;
  lower.file("etc/passwd", "root");
  lower.dir("usr/bin");
  upper.file("etc/passwd", "root\nme");
  upper.file("etc/new", "n");
  upper.dir("usr/bin");
  upper.file("usr/bin/tool", "t");
  Manifest m = build_manifest(upper.root());
  std::vector<std::string> lines;
  for (const auto& c : list_changes(m, {lower.root()})) {
    lines.push_back(std::string(to_string(c.kind)) + " " + c.entry->path);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"created /etc/new", "modified /etc/passwd",
                                             "created /usr/bin/tool"}));
}

}  // namespace
}  // namespace bootstrap
