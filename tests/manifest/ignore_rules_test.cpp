#include "bootstrap/ignore_rules.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace bootstrap {
namespace {

TEST(GlobMatch, StarStaysWithinOneComponent) {
  EXPECT_TRUE(glob_match("/etc/*.conf", "/etc/a.conf"));
  EXPECT_TRUE(glob_match("/etc/*.conf", "/etc/.conf"));
  EXPECT_FALSE(glob_match("/etc/*.conf", "/etc/sub/a.conf"));
  EXPECT_FALSE(glob_match("/etc/*.conf", "/etc/a.confx"));
  EXPECT_TRUE(glob_match("/etc/*", "/etc/x"));
  EXPECT_FALSE(glob_match("/etc/*", "/etc"));
  EXPECT_TRUE(glob_match("/a*b*c", "/abbbc"));
  EXPECT_TRUE(glob_match("/a*b*c", "/abc"));
  EXPECT_FALSE(glob_match("/a*b*c", "/abcb"));
}

TEST(GlobMatch, QuestionMarkAndClasses) {
  EXPECT_TRUE(glob_match("/var/lib/dpkg/lock?", "/var/lib/dpkg/lockX"));
  EXPECT_FALSE(glob_match("/var/lib/dpkg/lock?", "/var/lib/dpkg/lock"));
  EXPECT_TRUE(glob_match("/x/[abc].txt", "/x/b.txt"));
  EXPECT_FALSE(glob_match("/x/[abc].txt", "/x/d.txt"));
  EXPECT_TRUE(glob_match("/x/[a-c0-9]", "/x/7"));
  EXPECT_TRUE(glob_match("/x/[!a-c]", "/x/d"));
  EXPECT_FALSE(glob_match("/x/[!a-c]", "/x/a"));
  EXPECT_TRUE(glob_match("/x/[^a]", "/x/b"));
  EXPECT_TRUE(glob_match("/x/[]]", "/x/]"));
  EXPECT_TRUE(glob_match("/x/\\*", "/x/*"));
  EXPECT_FALSE(glob_match("/x/\\*", "/x/a"));
}

TEST(GlobMatch, DoubleStarSpansComponents) {
  EXPECT_TRUE(glob_match("/usr/**/*.pyc", "/usr/a.pyc"));
  EXPECT_TRUE(glob_match("/usr/**/*.pyc", "/usr/lib/python3/x/a.pyc"));
  EXPECT_FALSE(glob_match("/usr/**/*.pyc", "/opt/a.pyc"));
  EXPECT_TRUE(glob_match("/**/x", "/x"));
  EXPECT_TRUE(glob_match("/a/**/b/**/c", "/a/1/b/2/3/c"));
  EXPECT_FALSE(glob_match("/a/**/b/**/c", "/a/1/c"));
}

TEST(GlobMatch, TrailingDoubleStarIsEverythingUnderNotTheDirItself) {
  EXPECT_TRUE(glob_match("/var/log/**", "/var/log/syslog"));
  EXPECT_TRUE(glob_match("/var/log/**", "/var/log/apt/history.log"));
  EXPECT_FALSE(glob_match("/var/log/**", "/var/log"));
  EXPECT_FALSE(glob_match("/var/log/**", "/var/logs/x"));
  EXPECT_FALSE(glob_match("/var/log/**", "/var"));
}

TEST(GlobMatch, PatternWithoutLeadingSlashMatchesAtAnyDepth) {
  EXPECT_TRUE(glob_match("*.pyc", "/a.pyc"));
  EXPECT_TRUE(
      glob_match("*.pyc", "/usr/lib/python3/dist-packages/x/__pycache__/a.cpython-311.pyc"));
  EXPECT_FALSE(glob_match("*.pyc", "/usr/lib/a.py"));
  EXPECT_FALSE(glob_match("*.pyc", "/usr/x.pyc/a.py"));  // exact match: the basename only
  EXPECT_TRUE(glob_match("lib/*.so", "/usr/lib/a.so"));
  EXPECT_FALSE(glob_match("lib/*.so", "/usr/lib64/a.so"));
}

TEST(GlobMatch, MalformedPatternsAreRejected) {
  EXPECT_THROW(IgnoreRules({""}), std::invalid_argument);
  EXPECT_THROW(IgnoreRules({"/x/[abc"}), std::invalid_argument);
  EXPECT_THROW(IgnoreRules({"/x\\"}), std::invalid_argument);
  EXPECT_THROW(IgnoreRules({"/"}), std::invalid_argument);
  try {
    IgnoreRules({"/etc/[oops"});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/etc/[oops"), std::string::npos) << e.what();
  }
}

TEST(IgnoreRules, IgnoringADirectoryIgnoresEverythingUnderIt) {
  IgnoreRules rules({"__pycache__", "/opt/app"});
  EXPECT_TRUE(rules.matches("/usr/lib/python3/x/__pycache__"));
  EXPECT_TRUE(rules.matches("/usr/lib/python3/x/__pycache__/a.cpython-311.pyc"));
  EXPECT_TRUE(rules.matches("/opt/app"));
  EXPECT_TRUE(rules.matches("/opt/app/bin/x"));
  EXPECT_FALSE(rules.matches("/opt/apple"));
  EXPECT_FALSE(rules.matches("/opt"));
}

TEST(IgnoreRules, BuiltinHidesWhatIsNeverRepeatableAndNothingElse) {
  auto rules = IgnoreRules::builtin();
  for (const char* p : {"/var/log/dpkg.log",
                        "/var/log/apt/term.log",
                        "/etc/resolv.conf",
                        "/etc/hostname",
                        "/usr/lib/python3/dist-packages/a/__pycache__/b.pyc",
                        "/usr/share/x.pyc",
                        "/var/cache/apt/pkgcache.bin",
                        "/var/cache/apt/archives/partial",
                        "/var/lib/apt/lists/lock",
                        "/var/lib/dpkg/status-old",
                        "/var/lib/dpkg/lock-frontend",
                        "/var/lib/dpkg/lock",
                        "/var/cache/debconf/config.dat-old",
                        "/var/cache/ldconfig/aux-cache",
                        "/usr/sbin/policy-rc.d",
                        "/tmp/x",
                        "/run/lock/y",
                        "/var/tmp/z",
                        "/var/lib/dpkg/triggers/Lock",
                        "/var/cache/man/index.db"}) {
    EXPECT_TRUE(rules.matches(p)) << p;
  }
  for (const char* p :
       {"/var/log", "/var/cache/apt", "/etc/ld.so.cache", "/etc/resolv.conf.d/x",
        "/var/lib/dpkg/status", "/var/lib/apt/extended_states", "/var/cache/debconf/config.dat",
        "/etc/hosts", "/usr/bin/python3", "/usr/lib/x.py", "/etc/hostname.bak",
        "/var/cache/ldconfig", "/var/lib/dpkg/info/bash.list", "/run", "/tmp", "/etc/passwd"}) {
    EXPECT_FALSE(rules.matches(p)) << p;
  }
  for (const auto& r : rules.rules()) EXPECT_FALSE(r.reason.empty()) << r.pattern;
}

TEST(IgnoreRules, CombinesBuiltinWithABaselinesOwn) {
  auto rules = IgnoreRules::builtin();
  rules.add(IgnoreRules({"/srv/cache/**"}));
  EXPECT_TRUE(rules.matches("/srv/cache/a"));
  EXPECT_TRUE(rules.matches("/var/log/x"));
  EXPECT_FALSE(rules.matches("/srv/data"));
  IgnoreRules empty;
  EXPECT_FALSE(empty.matches("/anything"));
}

}  // namespace
}  // namespace bootstrap
