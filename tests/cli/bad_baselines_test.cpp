// Every bad baseline in tests/data/bad/ gets its expected "file:line:col: message" and exit 2.
// Each NAME.yaml has NAME.expect holding "line:col: message" (or the start of it).
#include <gtest/gtest.h>

#include <fstream>

#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;

const fs::path kBad = fs::path(BOOTSTRAP_SOURCE_DIR) / "tests/data/bad";

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kBad))
    if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

class BadBaseline : public ::testing::TestWithParam<std::string> {};

TEST_P(BadBaseline, ValidatePrintsTheExpectedMessageAndExits2) {
  std::ifstream in(kBad / (GetParam() + ".expect"));
  ASSERT_TRUE(in) << "missing " << GetParam() << ".expect";
  std::string expected;
  std::getline(in, expected);
  std::string file = "tests/data/bad/" + GetParam() + ".yaml";
  auto r = testing::bootstrap({"validate", file}, {}, BOOTSTRAP_SOURCE_DIR);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  // The .expect line is the message, or its start when the rest depends on the machine.
  std::string first_line = r.err.substr(0, r.err.find('\n'));
  EXPECT_EQ(first_line.substr(0, ("error: " + file + ":" + expected).size()),
            "error: " + file + ":" + expected);
}

INSTANTIATE_TEST_SUITE_P(Data, BadBaseline, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return param_info.param; });

TEST(BadBaselines, FiftyMegabytesAreRefusedAtOnce) {
  testing::TempDir dir;
  {
    std::ofstream out(dir.path() / "huge.yaml");
    std::string line = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i < 50 * 1024; ++i) out << line;
  }
  auto r = testing::bootstrap({"validate", (dir.path() / "huge.yaml").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("huge.yaml:1:1: file is 50 MiB; a baseline may be at most 4 MiB"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace bootstrap
