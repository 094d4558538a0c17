// python and setuptools configurations through the real loader: what they accept, what they
// reject (with file:line:col), and what they ask the fetch phase to download.
#include <gtest/gtest.h>

#include <fstream>

#include "plugins/step_config_fixture.hpp"

namespace bootstrap {
namespace {
namespace fs = std::filesystem;

using PythonConfig = StepConfigTest;

TEST_F(PythonConfig, DistroDefaultsFetchPython3AndVenv) {
  Fetch f = fetch_of("  - python:\n");
  EXPECT_EQ(f.packages, (std::vector<std::string>{"python3", "python3-venv"}));
  f = fetch_of("  - python: {version: \"3.11\", modules: [ssl, tkinter, xml.etree]}\n");
  EXPECT_EQ(f.packages, (std::vector<std::string>{"python3", "python3-tk"}));
  EXPECT_TRUE(f.apt_sources.empty());
}

TEST_F(PythonConfig, ARepositoryBringsItsKeyAndARewrittenSourceLine) {
  std::ofstream(dir.path() / "org.asc")
      << "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n";
  Fetch f = fetch_of(
      "  - python:\n"
      "      repository: \"deb [arch=amd64 signed-by=/x.gpg] https://apt.example.org/python "
      "bookworm main\"\n"
      "      key: org.asc\n"
      "      package: orgpython3.12\n");
  ASSERT_EQ(f.apt_sources.size(), 1u);
  EXPECT_EQ(f.apt_sources[0].name, "bootstrap-orgpython3.12");
  EXPECT_EQ(f.apt_sources[0].deb_line,
            "deb [signed-by=/etc/apt/keyrings/bootstrap-orgpython3.12.asc arch=amd64] "
            "https://apt.example.org/python bookworm main");
  EXPECT_EQ(f.apt_sources[0].key_file, (dir.path() / "org.asc").string());
  EXPECT_EQ(f.packages, std::vector<std::string>{"orgpython3.12"});
}

TEST_F(PythonConfig, MistakesAreReportedWhereTheyAre) {
  std::string t = (dir.path() / "t.yaml").string();
  EXPECT_EQ(error_of("  - python: {version: \">=3.x\"}\n"),
            t + ":4:23: 'version' is not a version constraint: '3.x' is not a version (like 3.11 "
                "or 3.9.2); "
                "write e.g. \"3.11\", \">=3.9\" or \">=3.9,<3.13\"");
  EXPECT_EQ(
      error_of("  - python: {modules: [ssl, sqlite]}\n"),
      t + ":4:29: 'sqlite' is not a module of Python's standard library; did you mean 'sqlite3'?");
  EXPECT_EQ(error_of("  - python: {repository: \"deb http://x/ bookworm main\", package: p}\n"),
            t + ":4:26: 'repository' needs 'key': its signing key, a file next to the baseline");
  EXPECT_EQ(error_of("  - python: {source: distro, package: p}\n"),
            t + ":4:39: only 'source: repository' takes 'repository', 'key' and 'package'");
  EXPECT_EQ(error_of("  - python: {verison: \"3.11\"}\n"),
            t + ":4:14: unknown key 'verison' in python; did you mean 'version'?");
  EXPECT_EQ(error_of("  - setuptools: {venvs: [{path: srv/app}]}\n"),
            t + ":4:33: 'path' must be an absolute path (starting with '/'), not 'srv/app'");
  EXPECT_EQ(error_of("  - setuptools: {setuptools: \"66..1\"}\n").substr(0, t.size() + 56),
            t + ":4:30: 'setuptools' is not a version constraint: '66..1'");
  EXPECT_EQ(error_of("  - setuptools: {venvs: [{path: /srv/a, find_links: nowhere}]}\n"),
            t + ":4:53: 'find_links' folder 'nowhere' not found (relative paths are read next to "
                "the baseline)");
  EXPECT_EQ(error_of("  - setuptools: {venvs: [{path: /srv/a, packages: [x]}]}\n"),
            t + ":4:26: venv '/srv/a' lists packages but has no 'find_links' folder and no 'pip: "
                "index_url' to get them from");
  EXPECT_EQ(
      error_of("  - setuptools: {pip: {index_url: pypi.example.org}}\n"),
      t + ":4:35: 'index_url' must be an http://, https:// or file:// URL, not 'pypi.example.org'");
}

TEST_F(PythonConfig, SetuptoolsFetchesWhatVenvsNeed) {
  fs::create_directories(dir.path() / "wheels");
  std::ofstream(dir.path() / "wheels/x-1.0-py3-none-any.whl") << "zip";
  EXPECT_EQ(fetch_of("  - setuptools:\n").packages, std::vector<std::string>{"python3-setuptools"});
  EXPECT_EQ(
      fetch_of("  - setuptools: {venvs: [{path: /srv/a, packages: [x], find_links: wheels}]}\n")
          .packages,
      (std::vector<std::string>{"python3-setuptools", "python3-pip", "python3-venv"}));
}

}  // namespace
}  // namespace bootstrap
