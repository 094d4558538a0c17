// The python and setuptools plugins for real: Debian images in sandboxes, real apt, real pip.
// Until `bootstrap check` drives them, the body stands in for the fetch phase with one
// `apt-get update` (network shared), then applies offline-capable steps through RootHost("/").
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bootstrap/apply.hpp"
#include "bootstrap/ignore_rules.hpp"
#include "bootstrap/manifest.hpp"
#include "bootstrap/root_host.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "support/must_run.hpp"
#include "support/run.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(BOOTSTRAP_SOURCE_DIR) / "tests/fixtures/python";

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(int fd, const std::string& s) {
  for (std::size_t off = 0; off < s.size();) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

json report_json(const ApplyReport& r) {
  json j;
  j["applied"] = r.applied();
  j["verified"] = r.verified();
  j["changes"] = json::array();
  j["checks"] = json::array();
  j["errors"] = json::array();
  for (const auto& s : r.steps) {
    if (s.error) j["errors"].push_back(*s.error);
    for (const auto& c : s.changes)
      j["changes"].push_back(c.what + (c.detail.empty() ? "" : ": " + c.detail));
    for (const auto& c : s.checks)
      j["checks"].push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
  }
  return j;
}

std::string dump_failures(const json& run) {
  std::string s;
  for (const auto& e : run["errors"]) s += "error: " + e.get<std::string>() + "\n";
  for (const auto& c : run["checks"])
    if (!c["passed"].get<bool>())
      s += "check failed: " + c["name"].get<std::string>() + ": " + c["detail"].get<std::string>() +
           "\n";
  return s;
}

// A baseline applied `applies` times in one fresh sandbox of `image`; the upper layer is kept
// in `upper` (when given) so two runs can be compared.
struct SandboxRun {
  json runs = json::array();
  std::string error;  // the sandbox or apt-get update failed
  double seconds = 0;
};

class PythonSandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins.load_all();
    fs::create_directories(dir.path() / "wheels");
    auto r = testing::run({"/bin/sh", (kFixtures / "build_wheel.sh").string(),
                           (kFixtures / "hello_dist").string(), (dir.path() / "wheels").string()});
    ASSERT_EQ(r.status, 0) << r.err;
  }

  // The organisation's signed apt repository (make_apt_repo.sh) in `repo`, its key next to the
  // baseline, and the python step that installs its interpreter from it (no modules: key).
  std::string org_python_step(const testing::TempDir& repo) {
    chmod(repo.path().c_str(), 0755);  // apt reads file: sources as _apt
    auto made = testing::run(
        {"/bin/sh", (kFixtures / "make_apt_repo.sh").string(), (repo.path() / "org").string()});
    EXPECT_EQ(made.status, 0) << made.err;
    fs::copy_file(repo.path() / "org/key.asc", dir.path() / "org-python.asc");
    return "  - python:\n"
           "      version: \"3.11\"\n"
           "      repository: \"deb file:" +
           (repo.path() / "org/repo").string() +
           " ./\"\n"
           "      key: org-python.asc\n"
           "      package: orgpython\n"
           "      interpreter: /usr/bin/orgpython\n";
  }

  SandboxRun apply_in(const std::string& image, const std::string& steps, int applies,
                      const fs::path& upper = {}, std::vector<sandbox::Bind> binds = {}) {
    Baseline b = parse_baseline("baseline: t\nos: [bullseye, bookworm, trixie]\nsteps:\n" + steps,
                                (dir.path() / "t.yaml").string());
    b.file = dir.path() / "t.yaml";
    ConfiguredBaseline configured =
        configure_baseline(b, plugins);  // in the parent: dlopen'ed here
    sandbox::ImageStore store(sandbox::default_cache_root());
    sandbox::Spec spec;
    spec.lowers = {store.get(image).root};
    spec.share_network = true;
    spec.binds = std::move(binds);
    if (!upper.empty()) {
      fs::create_directories(upper / "upper");
      fs::create_directories(upper / "work");
      spec.upper = upper / "upper";
      spec.work = upper / "work";
    }
    auto start = std::chrono::steady_clock::now();
    sandbox::Result res = sandbox::Sandbox::start(spec, [&](int fd) {
                            json out;
                            setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
                            if (std::system("apt-get update -q >/tmp/apt-update.log 2>&1") != 0) {
                              out["error"] =
                                  "apt-get update failed:\n" + read_text("/tmp/apt-update.log");
                              write_all(fd, out.dump());
                              return 1;
                            }
                            RootHost host("/");
                            out["runs"] = json::array();
                            for (int i = 0; i < applies; ++i) {
                              ApplyReport r = apply_baseline(configured, host, true);
                              out["runs"].push_back(report_json(r));
                              if (!r.applied()) break;
                            }
                            write_all(fd, out.dump());
                            return 0;
                          }).wait();
    SandboxRun run;
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (res.data.empty()) {
      run.error = "sandbox " + res.describe() + " without a result";
      return run;
    }
    json j = json::parse(res.data);
    if (j.contains("error")) run.error = j["error"];
    if (j.contains("runs")) run.runs = j["runs"];
    std::cerr << "[ timing ] " << image << ": " << applies << " apply(s) in " << run.seconds
              << " s\n";
    return run;
  }

  static std::string check_detail(const json& run, const std::string& name_prefix) {
    for (const auto& c : run["checks"])
      if (c["name"].get<std::string>().rfind(name_prefix, 0) == 0) return c["detail"];
    return "(no check " + name_prefix + ")";
  }

  PluginHost plugins{{BOOTSTRAP_PLUGIN_DIR}};
  testing::TempDir dir;
};

const char* kDragoman =
    "  - python: {version: \">=3.9\"}\n"
    "  - setuptools:\n"
    "      pip:\n"
    "        index_url: https://pypi.example.org/simple\n"
    "        extra_index_urls: [https://mirror.example.org/simple]\n"
    "        trusted_hosts: [pypi.example.org]\n"
    "      setuptools: \">=44\"\n"
    "      venvs:\n"
    "        - path: /srv/apps/dragoman\n"
    "          packages: [bootstrap-hello==1.0]\n"
    "          find_links: wheels\n";

class Release : public PythonSandbox, public ::testing::WithParamInterface<std::string> {};

// Applied, verified, idempotent (a second apply changes nothing) and repeatable (a second
// fresh run writes the same tree, modulo the built-in ignore rules).
TEST_P(Release, InterpreterSetuptoolsAndAVenvAreAppliedVerifiedIdempotentAndRepeatable) {
  BOOTSTRAP_REQUIRE_ROOT();
  std::string image = "debian:" + GetParam();
  testing::TempDir a_dir, b_dir;
  SandboxRun a = apply_in(image, kDragoman, 2, a_dir.path());
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(a.runs.size(), 2u) << dump_failures(a.runs[0]);
  const json& first = a.runs[0];
  ASSERT_TRUE(first["verified"].get<bool>()) << dump_failures(first);
  std::string version = check_detail(first, "/usr/bin/python3 is Python");
  EXPECT_EQ(version.rfind("Python 3.", 0), 0u) << version;
  std::cerr << "[ version ] " << GetParam() << ": " << version << ", "
            << check_detail(first, "setuptools") << "\n";
  EXPECT_EQ(check_detail(first, "/srv/apps/dragoman imports bootstrap-hello==1.0"),
            "bootstrap-hello 1.0");
  EXPECT_EQ(check_detail(first, "pip's effective index-url"), "");
  const json& second = a.runs[1];
  EXPECT_TRUE(second["verified"].get<bool>()) << dump_failures(second);
  EXPECT_EQ(second["changes"].size(), 0u) << second["changes"].dump(1);
  std::string conf = read_text(a_dir.path() / "upper/etc/pip.conf");
  EXPECT_EQ(conf,
            "# Managed by bootstrap (setuptools plugin); local edits are overwritten.\n[global]\n"
            "index-url = https://pypi.example.org/simple\n"
            "extra-index-url =\n    https://mirror.example.org/simple\n"
            "trusted-host =\n    pypi.example.org\n");

  SandboxRun b = apply_in(image, kDragoman, 1, b_dir.path());
  ASSERT_EQ(b.error, "");
  ASSERT_TRUE(b.runs[0]["verified"].get<bool>()) << dump_failures(b.runs[0]);
  IgnoreRules rules = IgnoreRules::builtin();
  Manifest ma = build_manifest(a_dir.path() / "upper", {.ignore = &rules});
  Manifest mb = build_manifest(b_dir.path() / "upper", {.ignore = &rules});
  std::string diffs;
  for (const auto& d : compare(ma, mb, rules)) diffs += d.to_string() + "\n";
  EXPECT_EQ(diffs, "");
  EXPECT_NE(ma.find("/srv/apps/dragoman/bin/python"), nullptr);
  EXPECT_EQ(ma.find("/tmp/bootstrap-find-links"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Debian, Release, ::testing::Values("bullseye", "bookworm", "trixie"));

struct TooOld {
  std::string release;
  std::string expected;  // "" when the release meets >=3.12
};
void PrintTo(const TooOld& t, std::ostream* os) { *os << t.release; }

class PythonAtLeast312 : public PythonSandbox, public ::testing::WithParamInterface<TooOld> {};

TEST_P(PythonAtLeast312, FailsOnOlderReleasesWithOneLineNamingReleaseVersionAndConstraint) {
  BOOTSTRAP_REQUIRE_ROOT();
  SandboxRun r = apply_in("debian:" + GetParam().release, "  - python: {version: \">=3.12\"}\n", 1);
  ASSERT_EQ(r.error, "");
  const json& run = r.runs[0];
  if (GetParam().expected.empty()) {
    EXPECT_TRUE(run["verified"].get<bool>()) << dump_failures(run);
    std::cerr << "[ version ] " << GetParam().release << ": "
              << check_detail(run, "/usr/bin/python3 is Python") << "\n";
    return;
  }
  EXPECT_FALSE(run["applied"].get<bool>());
  ASSERT_EQ(run["errors"].size(), 1u);
  std::string error = run["errors"][0];
  EXPECT_NE(error.find(GetParam().expected), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_EQ(run["changes"].size(), 0u)
      << "nothing is installed when the release cannot meet the constraint";
}

INSTANTIATE_TEST_SUITE_P(
    Debian, PythonAtLeast312,
    ::testing::Values(TooOld{"bullseye", "bullseye has Python 3.9.2, the baseline wants >=3.12"},
                      TooOld{"bookworm", "bookworm has Python 3.11.2, the baseline wants >=3.12"},
                      TooOld{"trixie", ""}),
    [](const auto& p) { return p.param.release; });

// The organisation's interpreter package from its own signed apt repository (file: URL here).
TEST_F(PythonSandbox, AnOrganisationRepositoryIsAddedWithItsKeyAndItsPackageInstalled) {
  BOOTSTRAP_REQUIRE_ROOT();
  testing::TempDir repo;
  std::string steps = org_python_step(repo) + "      modules: [ssl, json]\n";
  ASSERT_FALSE(HasFailure());
  testing::TempDir upper;
  SandboxRun r = apply_in("debian:bookworm", steps, 2, upper.path(),
                          {{repo.path(), repo.path().string(), true}});
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.runs.size(), 2u) << dump_failures(r.runs[0]);
  const json& first = r.runs[0];
  ASSERT_TRUE(first["verified"].get<bool>()) << dump_failures(first) << first["changes"].dump(1);
  EXPECT_EQ(check_detail(first, "/usr/bin/orgpython is Python 3.11"), "Python 3.11.2");
  std::string changes = first["changes"].dump();
  EXPECT_NE(changes.find("/etc/apt/keyrings/bootstrap-orgpython.asc: apt signing key"),
            std::string::npos)
      << changes;
  EXPECT_NE(changes.find("package orgpython: 3.11.99-org1"), std::string::npos) << changes;
  EXPECT_EQ(read_text(upper.path() / "upper/etc/apt/sources.list.d/bootstrap-orgpython.list"),
            "deb [signed-by=/etc/apt/keyrings/bootstrap-orgpython.asc] file:" +
                (repo.path() / "org/repo").string() + " ./\n");
  EXPECT_EQ(read_text(upper.path() / "upper/etc/apt/keyrings/bootstrap-orgpython.asc"),
            read_text(repo.path() / "org/key.asc"));
  EXPECT_EQ(r.runs[1]["changes"].size(), 0u) << r.runs[1]["changes"].dump(1);
}

// The split `bootstrap check` makes: a fetch sandbox (network) downloads what the steps'
// Fetch declares into a layer, then apply runs with loopback only on top of that layer.
// The fetch layer keeps apt's lists and archives but not the sources it added, so the
// apply itself writes (and reports) the organisation's key and source.
TEST_F(PythonSandbox, AppliesOfflineOnTopOfAFetchLayer) {
  BOOTSTRAP_REQUIRE_ROOT();
  testing::TempDir repo;
  std::string steps = org_python_step(repo) +
                      std::string(kDragoman).substr(std::string(kDragoman).find("  - setuptools:"));
  ASSERT_FALSE(HasFailure());
  Baseline b = parse_baseline("baseline: t\nos: [bookworm]\nsteps:\n" + steps,
                              (dir.path() / "t.yaml").string());
  b.file = dir.path() / "t.yaml";
  ConfiguredBaseline configured = configure_baseline(b, plugins);
  Fetch all;
  for (auto& s : configured.steps) {
    Fetch f;
    ASSERT_FALSE(s.instance.port().fetch(f));
    all.packages.insert(all.packages.end(), f.packages.begin(), f.packages.end());
    all.apt_sources.insert(all.apt_sources.end(), f.apt_sources.begin(), f.apt_sources.end());
  }
  ASSERT_EQ(all.apt_sources.size(), 1u);
  std::string key = read_text(all.apt_sources[0].key_file);

  sandbox::ImageStore store(sandbox::default_cache_root());
  fs::path image = store.get("debian:bookworm").root;
  testing::TempDir fetch_dir, run_dir;
  for (auto* d : {&fetch_dir, &run_dir}) {
    fs::create_directories(d->path() / "upper");
    fs::create_directories(d->path() / "work");
  }
  sandbox::Spec fetch;
  fetch.lowers = {image};
  fetch.upper = fetch_dir.path() / "upper";
  fetch.work = fetch_dir.path() / "work";
  fetch.share_network = true;
  fetch.binds = {{repo.path(), repo.path().string(), true}};
  auto t0 = std::chrono::steady_clock::now();
  sandbox::Result fr =
      sandbox::Sandbox::start(fetch, [&](int fd) {
        RootHost host("/");
        const AptSource& s = all.apt_sources[0];
        std::string key_path = "/etc/apt/keyrings/" + s.name + ".asc";
        host.write_file(key_path, key, 0644, 0, 0);
        host.write_file("/etc/apt/sources.list.d/" + s.name + ".list", s.deb_line + "\n", 0644, 0,
                        0);
        Command update{{"apt-get", "update", "-q"}, {}, "", "/", 0, 0};
        Command download{{"apt-get", "install", "-y", "-q", "--download-only", "-o",
                          "APT::Keep-Downloaded-Packages=true"},
                         {},
                         "",
                         "/",
                         0,
                         0};
        download.argv.insert(download.argv.end(), all.packages.begin(), all.packages.end());
        for (const Command& c : {update, download}) {
          CommandResult r = host.run(c);
          if (!r.ok()) {
            write_all(fd, r.output);
            return 1;
          }
        }
        host.remove(key_path);  // the sources are the baseline's to write, not the fetch layer's
        host.remove("/etc/apt/sources.list.d/" + s.name + ".list");
        return 0;
      }).wait();
  ASSERT_EQ(fr.status, 0) << fr.data;
  double fetch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  sandbox::Spec run;
  run.lowers = {fetch_dir.path() / "upper", image};
  run.upper = run_dir.path() / "upper";
  run.work = run_dir.path() / "work";
  run.share_network = false;  // loopback only
  run.binds = {{repo.path(), repo.path().string(), true}};
  t0 = std::chrono::steady_clock::now();
  sandbox::Result rr =
      sandbox::Sandbox::start(run, [&](int fd) {
        RootHost host("/");
        json out = report_json(apply_baseline(configured, host, true));
        out["network"] = host.run({{"getent", "ahosts", "deb.debian.org"}, {}, "", "/", 0, 0}).ok();
        write_all(fd, out.dump());
        return 0;
      }).wait();
  double apply_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << "[ timing ] debian:bookworm: fetch " << fetch_s << " s, offline apply " << apply_s
            << " s\n";
  ASSERT_FALSE(rr.data.empty()) << rr.describe();
  json j = json::parse(rr.data);
  EXPECT_FALSE(j["network"].get<bool>()) << "the apply sandbox could resolve deb.debian.org";
  ASSERT_TRUE(j["verified"].get<bool>()) << dump_failures(j) << j["changes"].dump(1);
  std::string changes = j["changes"].dump();
  EXPECT_NE(changes.find("/etc/apt/sources.list.d/bootstrap-orgpython.list: apt source"),
            std::string::npos)
      << changes;
  EXPECT_NE(changes.find("package orgpython: 3.11.99-org1"), std::string::npos) << changes;
  EXPECT_NE(changes.find("/srv/apps/dragoman: bootstrap-hello"), std::string::npos) << changes;
}

}  // namespace
}  // namespace bootstrap
