// The baseline model: what a good baseline parses into, and where a bad one is wrong.
#include "bootstrap/baseline.hpp"

#include <gtest/gtest.h>

namespace bootstrap {
namespace {

Baseline parse(std::string_view text) { return parse_baseline(text, "b.yaml"); }

std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Baseline, MoreStepsThanTheLimitAreRefusedSayingHowMany) {
  std::string text = "baseline: big\nos: [bookworm]\nsteps:\n";
  for (std::size_t i = 0; i <= kMaxSteps; ++i) text += "  - fslayout: {}\n";
  EXPECT_EQ(error_of(text),
            "b.yaml:4:3: a baseline holds at most 10000 steps; this one has 10001 "
            "(split it, or merge steps of one plugin)");
}

TEST(Baseline, AListLongerThanTheLimitIsRefusedSayingHowLong) {
  std::string text = "baseline: big\nos: [bookworm]\nsteps:\n  - fslayout:\n      directories:\n";
  for (std::size_t i = 0; i <= kMaxEntries; ++i) text += "        - /srv/d\n";
  EXPECT_EQ(error_of(text), "b.yaml:6:9: a list holds at most 100000 entries; this one has 100001");
}

TEST(Baseline, ParsesNameReleasesStepsAndIgnoreRules) {
  Baseline b = parse(
      "baseline: web\n"
      "description: a web node\n"
      "os: [bookworm, trixie]\n"
      "steps:\n"
      "  - fslayout: {directories: [{path: /srv}]}\n"
      "  - python: {version: '3.11'}\n"
      "ignore: ['*.log']\n");
  EXPECT_EQ(b.name, "web");
  EXPECT_EQ(b.description, "a web node");
  EXPECT_EQ(b.os, (std::vector<std::string>{"bookworm", "trixie"}));
  ASSERT_EQ(b.steps.size(), 2u);
  EXPECT_EQ(b.steps[0].plugin, "fslayout");
  EXPECT_EQ(b.steps[1].plugin, "python");
  EXPECT_EQ(b.steps[1].index, 1);
  EXPECT_EQ(b.steps[1].mark.line, 6);
  EXPECT_EQ(b.steps[1].mark.column, 5);
  EXPECT_EQ(b.ignore, (std::vector<std::string>{"*.log"}));
  EXPECT_EQ(b.digest.rfind("xxh3-128:", 0), 0u);
}

TEST(Baseline, DigestChangesWithContent) {
  const char* a = "baseline: a\nos: [bookworm]\nsteps: [{x: {}}]\n";
  const char* b = "baseline: b\nos: [bookworm]\nsteps: [{x: {}}]\n";
  EXPECT_EQ(parse(a).digest, parse(a).digest);
  EXPECT_NE(parse(a).digest, parse(b).digest);
}

TEST(Baseline, UnknownTopLevelKeyNamesTheNearestValidKey) {
  EXPECT_EQ(error_of("baseline: a\nos: [bookworm]\nsteps: [{x: {}}]\ndescriptoin: x\n"),
            "b.yaml:4:1: unknown key 'descriptoin' in the baseline; did you mean 'description'?");
}

TEST(Baseline, MissingKeysAndWrongTypesPointAtTheValue) {
  EXPECT_EQ(error_of("baseline: a\nsteps: [{x: {}}]\n"),
            "b.yaml:1:1: missing required key 'os' in the baseline");
  EXPECT_EQ(error_of("baseline: [a]\nos: [bookworm]\nsteps: [{x: {}}]\n"),
            "b.yaml:1:11: 'baseline' (the baseline's name) must be a string, not a list");
  EXPECT_EQ(error_of("baseline: a\nos: [bookworm]\nsteps: {x: 1}\n"),
            "b.yaml:3:8: 'steps' must be a list, not a mapping");
}

TEST(Baseline, ReleasesMustBeKnownAndUnique) {
  EXPECT_EQ(error_of("baseline: a\nos: [buster]\nsteps: [{x: {}}]\n"),
            "b.yaml:2:6: unknown release 'buster' (known: bullseye, bookworm, trixie)");
  EXPECT_EQ(error_of("baseline: a\nos: [trixie, trixie]\nsteps: [{x: {}}]\n"),
            "b.yaml:2:14: release 'trixie' is listed twice");
}

TEST(Baseline, RefusesHostileInputQuickly) {
  std::string deep = "baseline: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_NE(error_of(deep).find("nested deeper than 64 levels"), std::string::npos);
  std::string block;  // block-style nesting, no brackets
  for (int i = 0; i < 200; ++i) block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
  EXPECT_NE(error_of(block).find("nested deeper than 64 levels"), std::string::npos);
  std::string huge(50u << 20, '#');
  EXPECT_EQ(error_of(huge), "b.yaml:1:1: file is 50 MiB; a baseline may be at most 4 MiB");
}

TEST(Baseline, RefusesNonUtf8AtTheByte) {
  EXPECT_EQ(error_of("baseline: a\nos: [bookworm]\n# caf\xe9\n"),
            "b.yaml:3:6: not UTF-8 text (invalid byte sequence here)");
  EXPECT_EQ(error_of("baseline: \xc0\x80\n"),
            "b.yaml:1:11: not UTF-8 text (invalid byte sequence here)");
}

TEST(Baseline, EmptyAndWhitespaceOnlyFilesAreEmptyBaselines) {
  EXPECT_EQ(error_of(""),
            "b.yaml:1:1: empty baseline: expected a mapping with 'baseline', 'os' and 'steps'");
  EXPECT_EQ(error_of("\n# nothing\n"),
            "b.yaml:1:1: empty baseline: expected a mapping with 'baseline', 'os' and 'steps'");
}

TEST(Baseline, DuplicateKeysAreErrorsAtTheSecondKey) {
  EXPECT_EQ(error_of("baseline: a\nos: [bookworm]\nos: [trixie]\nsteps: [{x: {}}]\n"),
            "b.yaml:3:1: duplicate key 'os'");
}

TEST(Baseline, LoadReportsMissingFiles) {
  try {
    load_baseline("/nonexistent/baseline.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/baseline.yaml: no such baseline file");
  }
}

}  // namespace
}  // namespace bootstrap
