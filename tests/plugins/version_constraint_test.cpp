// Version constraints as baselines write them, and versions as Debian and Python print them.
#include "version_constraint.hpp"

#include <gtest/gtest.h>

namespace pyplug {
namespace {

Version v(const char* text) { return *parse_version(text); }

TEST(Version, ReadsDebianAndPythonSpellings) {
  EXPECT_EQ(v("3.11.2-1+b1").str(), "3.11.2");
  EXPECT_EQ(v("3.9.2-3").str(), "3.9.2");
  EXPECT_EQ(v("1:3.13.5-1").str(), "3.13.5");
  EXPECT_EQ(v("Python 3.12.7\n").str(), "3.12.7");
  EXPECT_EQ(v("66.1.1").str(), "66.1.1");
  EXPECT_EQ(v("3.11.99-org1").str(), "3.11.99");
  EXPECT_FALSE(parse_version("none"));
}

TEST(Constraint, ABareVersionMeansThatSeries) {
  Constraint c = Constraint::parse("3.11");
  EXPECT_TRUE(c.matches(v("3.11.2")));
  EXPECT_TRUE(c.matches(v("3.11.0")));
  EXPECT_FALSE(c.matches(v("3.12.1")));
  EXPECT_FALSE(c.matches(v("3.1.1")));
  EXPECT_TRUE(Constraint::parse("==3.11.*").matches(v("3.11.9")));
}

TEST(Constraint, RangesAndComparisons) {
  Constraint c = Constraint::parse(">=3.9, <3.13");
  EXPECT_TRUE(c.matches(v("3.9.2")));
  EXPECT_TRUE(c.matches(v("3.12.9")));
  EXPECT_FALSE(c.matches(v("3.13.0")));
  EXPECT_FALSE(c.matches(v("3.8.10")));
  EXPECT_FALSE(Constraint::parse(">=3.12").matches(v("3.11.2")));
  EXPECT_TRUE(Constraint::parse(">=3.12").matches(v("3.13.5")));
  EXPECT_TRUE(Constraint::parse(">3.11").matches(v("3.11.1")));
  EXPECT_FALSE(Constraint::parse("!=3.11.2").matches(v("3.11.2")));
  EXPECT_TRUE(Constraint::parse("<=3.11").matches(v("3.11.0")));
  EXPECT_TRUE(Constraint::parse("==66.1.1").matches(v("66.1.1")));
}

TEST(Constraint, BadSyntaxSaysWhy) {
  for (const char* bad :
       {"", ">=", ">=3.x", "3.9,", ",3.9", "=>3.9", "3.9.1.2", "~3", ">= 3.9 <3.13", "latest"})
    EXPECT_THROW(Constraint::parse(bad), std::invalid_argument) << bad;
  try {
    Constraint::parse(">=3.x");
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "'3.x' is not a version (like 3.11 or 3.9.2)");
  }
}

}  // namespace
}  // namespace pyplug
