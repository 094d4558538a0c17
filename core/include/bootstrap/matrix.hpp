// The check's matrix for CI systems: one job per baseline x release, in the shapes the CI
// systems take (GitHub's `fromJSON` matrix, a GitLab child pipeline, plain JSON), and shards:
// a stable split of those pairs among N runners.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bootstrap/baseline.hpp"

namespace bootstrap {

struct MatrixJob {
  std::string baseline;                               // the file, as given
  std::string name;                                   // the baseline's name
  std::string os;                                     // a release: bookworm
  std::string id() const { return name + "-" + os; }  // for file and job names
};

// Every baseline x release (the baseline's `os:`, or `os` when given), in the order given.
std::vector<MatrixJob> matrix_jobs(const std::vector<Baseline>& baselines,
                                   const std::vector<std::string>& os);

// How a job runs the check: `bootstrap check FILE --os OS --json reports/ID.json --junit
// reports/ID.xml`.
std::string check_command(const MatrixJob& job, std::string_view bootstrap = "bootstrap");

// {"include":[{"baseline":…,"os":…,"name":…,"id":…},…]}, one line, for $GITHUB_OUTPUT. GitHub
// takes at most 256 jobs per matrix: more is refused (std::length_error) with a hint at --shard.
inline constexpr std::size_t kGithubMaxJobs = 256;
std::string matrix_github(const std::vector<MatrixJob>& jobs);
// {"schema_version":1,"jobs":[…]} with each job's command.
std::string matrix_json(const std::vector<MatrixJob>& jobs,
                        std::string_view bootstrap = "bootstrap");
// A GitLab child pipeline: a check job per pair (its JSON and JUnit reports as artifacts, the
// JUnit one shown by GitLab), and a `report` job that needs them all and merges them into one
// verdict. `tags` pick the runners every job runs on (GitLab's default:tags).
std::string matrix_gitlab(const std::vector<MatrixJob>& jobs,
                          std::string_view bootstrap = "bootstrap",
                          const std::vector<std::string>& tags = {});

// --shard I/N: runner I (1-based) of N.
struct Shard {
  int index = 1;
  int count = 1;
};
// Parses "I/N" (1 <= I <= N <= 1000); throws std::invalid_argument saying what is wrong.
Shard parse_shard(std::string_view text);
// Whether the pair belongs to the shard. A baseline's releases go round the runners in Debian's
// order (bullseye, bookworm, trixie), starting at a runner picked by a hash of its name: each
// runner decides alone (it needs no list of the other pairs), a baseline's releases are spread
// evenly, and a pair stays on its runner when other baselines or releases come and go.
bool in_shard(const std::string& baseline_name, const std::string& os, const Shard& shard);

}  // namespace bootstrap
