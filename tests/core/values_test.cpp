// The SDK's validators: what plugins use to reject bad config with a precise mark.
#include <gtest/gtest.h>

#include "bootstrap/baseline.hpp"
#include "bootstrap/plugin.hpp"

namespace bootstrap {
namespace {

Value scalar(const std::string& s) { return Value::scalar(s, SourceMark{"f.yaml", 3, 7}); }

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Validators, ModesAreOctalUpTo07777) {
  EXPECT_EQ(parse_mode(scalar("0755"), "'mode'"), 0755u);
  EXPECT_EQ(parse_mode(scalar("755"), "'mode'"), 0755u);
  EXPECT_EQ(parse_mode(scalar("2775"), "'mode'"), 02775u);
  EXPECT_EQ(parse_mode(scalar("07777"), "'mode'"), 07777u);
  for (const char* bad : {"0799", "rwx", "", "17777", "-755", "0x1ff", "755 "})
    EXPECT_NE(error_of([&] {
                parse_mode(scalar(bad), "'mode'");
              }).find("f.yaml:3:7: 'mode' must be an octal mode"),
              std::string::npos)
        << bad;
}

TEST(Validators, AbsolutePathsAreNormalisedAndNeverClimb) {
  EXPECT_EQ(parse_absolute_path(scalar("/srv//apps/./x/"), "p"), "/srv/apps/x");
  EXPECT_EQ(parse_absolute_path(scalar("/"), "p"), "/");
  EXPECT_EQ(error_of([] { parse_absolute_path(scalar("srv"), "'path'"); }),
            "f.yaml:3:7: 'path' must be an absolute path (starting with '/'), not 'srv'");
  EXPECT_EQ(error_of([] { parse_absolute_path(scalar("/srv/../etc"), "'path'"); }),
            "f.yaml:3:7: 'path' must not contain '..': '/srv/../etc'");
}

TEST(Validators, NearestSuggestsOnlyCloseWords) {
  EXPECT_EQ(nearest("directorys", {"directories", "files", "symlinks"}), "directories");
  EXPECT_EQ(nearest("fslayot", {"fslayout", "python"}), "fslayout");
  EXPECT_EQ(nearest("zzzzzz", {"files", "groups"}), "");
}

TEST(Fields, UnknownKeysAreRejectedWithTheNearestKnownOne) {
  Value v = parse_yaml("path: /x\nmdoe: '0755'\n", "f.yaml");
  Fields f(v, "a directory");
  f.required("path");
  f.optional("mode");
  f.optional("owner");
  EXPECT_EQ(error_of([&] { f.finish(); }),
            "f.yaml:2:1: unknown key 'mdoe' in a directory; did you mean 'mode'?");
}

TEST(Fields, UnknownKeysWithoutANearOneListTheValidKeys) {
  Value v = parse_yaml("path: /x\nzzz: 1\n", "f.yaml");
  Fields f(v, "a file");
  f.required("path");
  f.optional("content");
  EXPECT_EQ(error_of([&] { f.finish(); }),
            "f.yaml:2:1: unknown key 'zzz' in a file (valid keys: content path)");
}

TEST(Values, TypedReadsNameTheValueAndWhereItIs) {
  Value v = parse_yaml("a: [1]\nb: yes\nc: '12'\nd: x\n", "f.yaml");
  EXPECT_EQ(error_of([&] { v.find("a")->as_string("'a'"); }),
            "f.yaml:1:4: 'a' must be a string, not a list");
  EXPECT_TRUE(v.find("b")->as_bool("'b'"));
  EXPECT_EQ(v.find("c")->as_int("'c'"), 12);
  EXPECT_EQ(error_of([&] { v.find("d")->as_int("'d'"); }),
            "f.yaml:4:4: 'd' must be a whole number, not 'x'");
}

}  // namespace
}  // namespace bootstrap
