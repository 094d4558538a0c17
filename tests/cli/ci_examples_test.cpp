// examples/ci: the GitHub workflow and the GitLab pipeline users copy, and the child pipeline
// `bootstrap matrix --emit gitlab` writes for it. Each must be valid YAML (yamllint, Debian's
// linter: neither platform's own linter is packaged) and have the shapes the platforms need:
// GitHub's matrix from a job output through fromJSON, GitLab's child pipeline from an artifact
// of the job that made it, reports that reach the merge.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bootstrap/baseline.hpp"
#include "support/must_run.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {

const std::string kExamples = std::string(BOOTSTRAP_SOURCE_DIR) + "/examples/ci/";

std::string read(const std::string& file) {
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The value at a path of keys; fails the test when a key is missing.
const Value& at(const Value& v, std::initializer_list<std::string_view> keys) {
  const Value* cur = &v;
  for (auto k : keys) {
    const Value* next = cur->is_map() ? cur->find(k) : nullptr;
    if (next == nullptr) throw std::runtime_error("missing key " + std::string(k));
    cur = next;
  }
  return *cur;
}

std::string all_runs(const Value& steps) {
  std::string runs;
  for (const auto& s : steps.as_list("steps"))
    if (const Value* r = s.find("run")) runs += r->text() + "\n";
  return runs;
}

void expect_yamllint_passes(const std::string& file) {
  BOOTSTRAP_SKIP_UNLESS(std::filesystem::exists("/usr/bin/yamllint"),
                        "needs yamllint (apt-get install yamllint)");
  auto r = testing::run({"/usr/bin/yamllint", "-d",
                         "{extends: relaxed, rules: {line-length: {max: 140}}}", "-f", "parsable",
                         file});
  EXPECT_EQ(r.status, 0) << file << "\n" << r.out << r.err;
}

TEST(CiExamples, TheGithubWorkflowFansOutTheMatrixAndMergesTheReports) {
  std::string file = kExamples + "github-workflow.yml";
  expect_yamllint_passes(file);
  Value w = parse_yaml(read(file), file);
  EXPECT_EQ(at(w, {"jobs", "plan", "outputs", "matrix"}).text(),
            "${{ steps.matrix.outputs.matrix }}");
  std::string plan = all_runs(at(w, {"jobs", "plan", "steps"}));
  EXPECT_NE(plan.find("matrix baselines/*.yaml --emit github)\" >> \"$GITHUB_OUTPUT\""),
            std::string::npos)
      << plan;
  EXPECT_EQ(at(w, {"jobs", "check", "needs"}).text(), "plan");
  EXPECT_EQ(at(w, {"jobs", "check", "strategy", "matrix"}).text(),
            "${{ fromJSON(needs.plan.outputs.matrix) }}");
  std::string check = all_runs(at(w, {"jobs", "check", "steps"}));
  for (const char* key :
       {"matrix.baseline", "matrix.os", "matrix.id"})  // the keys `matrix --emit github` writes
    EXPECT_NE(check.find(key), std::string::npos) << key;
  EXPECT_EQ(at(w, {"jobs", "report", "if"}).text(), "always()");
  EXPECT_NE(
      all_runs(at(w, {"jobs", "report", "steps"})).find("report merge reports/*.json --junit"),
      std::string::npos);
}

TEST(CiExamples, TheGitlabPipelineRunsTheGeneratedChildFromItsArtifact) {
  std::string file = kExamples + "gitlab-ci.yml";
  expect_yamllint_passes(file);
  Value p = parse_yaml(read(file), file);
  EXPECT_NE(at(p, {"generate", "script"})
                .as_list("script")[0]
                .text()
                .find("--emit gitlab --tag debian-12 > child.yml"),
            std::string::npos);
  EXPECT_EQ(at(p, {"generate", "artifacts", "paths"}).as_list("paths")[0].text(), "child.yml");
  const Value& include = at(p, {"checks", "trigger", "include"}).as_list("include")[0];
  EXPECT_EQ(at(include, {"artifact"}).text(), "child.yml");
  EXPECT_EQ(at(include, {"job"}).text(), "generate");
  EXPECT_EQ(at(p, {"checks", "trigger", "strategy"}).text(), "depend");
  EXPECT_EQ(at(p, {"checks", "needs"}).as_list("needs")[0].text(), "generate");
}

TEST(CiExamples, TheGeneratedChildPipelineHasAJobPerPairAndAReportThatNeedsThemAll) {
  testing::TempDir dir;
  auto r =
      testing::bootstrap({"matrix", std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml",
                          "--emit", "gitlab", "--tag", "debian-12"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string file = (dir.path() / "child.yml").string();
  std::ofstream(file) << r.out;
  expect_yamllint_passes(file);
  Value c = parse_yaml(r.out, file);
  EXPECT_EQ(at(c, {"default", "tags"}).as_list("tags")[0].text(), "debian-12");
  std::vector<std::string> needed;
  for (const auto& n : at(c, {"report", "needs"}).as_list("needs")) {
    needed.push_back(at(n, {"job"}).text());
    EXPECT_EQ(at(n, {"artifacts"}).text(), "true");
  }
  EXPECT_EQ(needed, (std::vector<std::string>{"check dragoman-bullseye", "check dragoman-bookworm",
                                              "check dragoman-trixie"}));
  for (const auto& job : needed) {
    const Value& j = at(c, {job});
    EXPECT_EQ(at(j, {"stage"}).text(), "check");
    std::string id = job.substr(6);
    EXPECT_NE(at(j, {"script"})
                  .as_list("script")[1]
                  .text()
                  .find("--json reports/" + id + ".json --junit reports/" + id + ".xml"),
              std::string::npos);
    EXPECT_EQ(at(j, {"artifacts", "reports", "junit"}).text(), "reports/" + id + ".xml");
    EXPECT_EQ(at(j, {"artifacts", "when"}).text(), "always");
  }
  EXPECT_NE(
      at(c, {"report", "script"}).as_list("script")[0].text().find("report merge reports/*.json"),
      std::string::npos);
}

TEST(CiExamples, GithubsMatrixOutputIsOneLineOfJsonWithTheKeysTheWorkflowUses) {
  auto r =
      testing::bootstrap({"matrix", std::string(BOOTSTRAP_SOURCE_DIR) + "/baselines/dragoman.yaml",
                          "--emit", "github"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line, for $GITHUB_OUTPUT";
  auto m = nlohmann::json::parse(r.out);
  ASSERT_EQ(m["include"].size(), 3u);
  for (const auto& job : m["include"])
    for (const char* key : {"baseline", "os", "id"}) EXPECT_TRUE(job.contains(key)) << key;
}

}  // namespace
}  // namespace bootstrap
