// The CI matrix (bootstrap matrix), shards (check --shard) and merged reports (report merge).
#include "bootstrap/matrix.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "bootstrap/report_merge.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {

using json = nlohmann::json;

Baseline baseline(const std::string& name, std::vector<std::string> os) {
  Baseline b;
  b.file = "baselines/" + name + ".yaml";
  b.name = name;
  b.os = std::move(os);
  b.digest = "xxh3-128:" + name;
  return b;
}

TEST(Matrix, OneJobPerBaselineAndReleaseInGithubsShape) {
  auto jobs =
      matrix_jobs({baseline("web", {"bookworm", "trixie"}), baseline("db", {"bullseye"})}, {});
  json m = json::parse(matrix_github(jobs));
  ASSERT_EQ(m["include"].size(), 3u);
  EXPECT_EQ(m["include"][0], (json{{"baseline", "baselines/web.yaml"},
                                   {"os", "bookworm"},
                                   {"name", "web"},
                                   {"id", "web-bookworm"}}));
  EXPECT_EQ(m["include"][2]["id"], "db-bullseye");
  EXPECT_EQ(matrix_jobs({baseline("web", {"bookworm", "trixie"})}, {"bullseye"}).size(), 1u)
      << "--os replaces each baseline's";
}

TEST(Matrix, GithubsLimitOf256JobsIsRefusedWithTheWayOut) {
  std::vector<Baseline> many;
  for (int i = 0; i < 86; ++i)
    many.push_back(baseline("b" + std::to_string(i), {"bullseye", "bookworm", "trixie"}));
  try {
    matrix_github(matrix_jobs(many, {}));
    FAIL() << "258 jobs accepted";
  } catch (const std::length_error& e) {
    EXPECT_STREQ(e.what(),
                 "258 jobs: a GitHub matrix holds at most 256; split them with --shard, or into "
                 "several workflows");
  }
}

TEST(Matrix, JsonNamesEachJobsCommand) {
  json m = json::parse(matrix_json(matrix_jobs({baseline("web", {"trixie"})}, {}),
                                   "/opt/bootstrap/bin/bootstrap -v"));
  EXPECT_EQ(m["schema_version"], 1);
  EXPECT_EQ(m["jobs"][0]["command"],
            "/opt/bootstrap/bin/bootstrap -v check baselines/web.yaml --os trixie --json "
            "reports/web-trixie.json --junit reports/web-trixie.xml");
}

TEST(Shard, ParsesIOfNAndSaysWhatIsWrong) {
  EXPECT_EQ(parse_shard("2/4").index, 2);
  EXPECT_EQ(parse_shard("2/4").count, 4);
  auto error = [](const char* s) {
    try {
      parse_shard(s);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error("3"), "--shard 3: expected I/N, e.g. 2/4 (runner 2 of 4)");
  EXPECT_EQ(error("0/4"), "--shard 0/4: I counts from 1 to N (4)");
  EXPECT_EQ(error("5/4"), "--shard 5/4: I counts from 1 to N (4)");
  EXPECT_EQ(error("a/4"), "--shard a/4: the index is not a number (I/N, e.g. 2/4)");
  EXPECT_EQ(error("1/0"), "--shard 1/0: N must be 1 to 1000");
}

TEST(Shard, EveryPairOnExactlyOneRunnerAndABaselinesReleasesSpreadEvenly) {
  const std::vector<std::string> releases = {"bullseye", "bookworm", "trixie"};
  for (int n : {1, 2, 3, 5}) {
    for (const char* name : {"dragoman", "web", "db", "python-3.12"}) {
      std::set<int> runners;
      for (const auto& os : releases) {
        int on = 0;
        for (int i = 1; i <= n; ++i)
          if (in_shard(name, os, {i, n})) {
            ++on;
            runners.insert(i);
          }
        EXPECT_EQ(on, 1) << name << " " << os << " on " << n << " runners";
      }
      EXPECT_EQ(runners.size(), std::min<std::size_t>(3, static_cast<std::size_t>(n)))
          << name << " on " << n;
    }
  }
}

// A check's JSON report, as `check --json` writes it, with one release per entry.
json report(const std::string& name, const std::vector<std::pair<std::string, bool>>& releases,
            int schema = 1) {
  json list = json::array();
  for (const auto& [os, passed] : releases) {
    json v = {{"passed", passed},
              {"ran", true},
              {"messages", passed ? json::array() : json::array({"boom"})}};
    list.push_back(
        {{"image", "debian:" + os},
         {"release", os},
         {"image_digest", ""},
         {"passed", passed},
         {"environment_error", ""},
         {"seconds", 1.5},
         {"fetched_bytes", 0},
         {"fetch_cached", true},
         {"fetch_needed", false},
         {"manifest_digest", ""},
         {"verdicts", {{"applied", v}, {"repeatable", v}, {"idempotent", v}, {"verified", v}}},
         {"steps", json::array()},
         {"changes", json::array()}});
  }
  return {{"schema_version", schema},
          {"tool", "bootstrap"},
          {"baseline", {{"name", name}, {"file", name + ".yaml"}, {"digest", "xxh3-128:" + name}}},
          {"releases", list}};
}

class ReportMerge : public ::testing::Test {
 protected:
  std::string write(const std::string& file, const json& j) {
    std::ofstream(dir.path() / file) << j.dump();
    return (dir.path() / file).string();
  }
  testing::Ran merge(std::vector<std::string> args) {
    args.insert(args.begin(), {"report", "merge"});
    return testing::bootstrap(args);
  }
  testing::TempDir dir;
};

TEST_F(ReportMerge, OneVerdictForTheWholeMatrix) {
  auto a = write("a.json", report("web", {{"bookworm", true}}));
  auto b = write("b.json", report("web", {{"trixie", true}, {"bullseye", true}}));
  auto r = merge({a, b, "--junit", (dir.path() / "m.xml").string(), "--json",
                  (dir.path() / "m.json").string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 passed, 0 failed (3 release(s) from 2 report(s))"), std::string::npos)
      << r.out;
  std::ifstream in(dir.path() / "m.json");
  json m = json::parse(in);
  EXPECT_EQ(m["passed"], true);
  EXPECT_EQ(m["baselines"].size(), 2u);
  auto v = testing::run({"/usr/bin/xmllint", "--noout", "--schema",
                         std::string(BOOTSTRAP_SOURCE_DIR) + "/tests/data/junit.xsd",
                         (dir.path() / "m.xml").string()});
  EXPECT_EQ(v.status, 0) << v.err;

  auto c = write("c.json", report("db", {{"bookworm", false}}));
  r = merge({a, b, c});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("db                   debian:bookworm    FAILED"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    boom"), std::string::npos) << r.out;
}

TEST_F(ReportMerge, RefusesAnotherSchemaTheSameReleaseTwiceAndNothingChecked) {
  auto a = write("a.json", report("web", {{"bookworm", true}}));
  auto future = write("future.json", report("web", {{"trixie", true}}, 2));
  auto r = merge({a, future});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("future.json: schema_version 2, and this bootstrap reads 1: merge the "
                       "reports of one bootstrap version"),
            std::string::npos)
      << r.err;
  auto again = write("again.json", report("web", {{"bookworm", true}}));
  r = merge({a, again});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("debian:bookworm of baseline web is in both"), std::string::npos) << r.err;
  auto empty = write("empty.json", report("web", {}));
  r = merge({empty});
  EXPECT_EQ(r.status, 1) << "an empty matrix proves nothing";
  EXPECT_NE(r.out.find("no release was checked"), std::string::npos) << r.out;
  auto junk = write("junk.json", json{{"hello", 1}});
  r = merge({junk});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("junk.json: not a report of `bootstrap check --json`"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace bootstrap
