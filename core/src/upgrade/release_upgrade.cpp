// The release upgrade inside sandboxes, the Debian way (the release notes' steps): every apt
// source switched from FROM to TO, apt-get update, then apt-get full-upgrade. The downloads run
// with the network in one sandbox; the upgrade runs offline in another, with the same
// non-interactive settings and policy-rc.d as the steps' package installs, keeping the
// configuration files the host has (--force-confold) as an unattended upgrade would.
#include "release_upgrade.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "bootstrap/root_host.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

// Every apt source file, FROM as a word (bookworm, bookworm-security, bookworm-updates)
// replaced by TO.
std::string switch_sources(const std::string& from, const std::string& to) {
  return fmt::format(
      "for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list "
      "/etc/apt/sources.list.d/*.sources; do "
      "[ -f \"$f\" ] && sed -i 's/\\b{}\\b/{}/g' \"$f\"; done; true",
      from, to);
}

// As the steps install packages (RootHost::install_packages): no recommends, no questions.
const std::vector<std::string> kNonInteractive = {"-y",
                                                  "-q",
                                                  "--no-install-recommends",
                                                  "-o",
                                                  "Dpkg::Use-Pty=0",
                                                  "-o",
                                                  "Dpkg::Options::=--force-confdef",
                                                  "-o",
                                                  "Dpkg::Options::=--force-confold"};

// Runs `commands` in a sandbox of `spec`, in order; "" when all pass, else the first failure
// (argv, exit status, output tail).
std::string run_in(const sandbox::Spec& spec, const std::vector<Command>& commands,
                   std::string* last_output = nullptr) {
  auto sb = sandbox::Sandbox::start(spec, [commands](int fd) {
    RootHost host("/");
    auto say = [fd](const std::string& s) { (void)!::write(fd, s.data(), s.size()); };
    std::string out;
    for (const auto& c : commands) {
      CommandResult r = host.run(c);
      out = r.output;
      if (!r.ok()) {
        try {
          throw_command_failed(c, r);
        } catch (const std::exception& e) {
          say(std::string("FAILED ") + e.what());
        }
        return 1;
      }
    }
    say(out);
    return 0;
  });
  sandbox::Result r = sb.wait();
  if (r.status == 0) {
    if (last_output != nullptr) *last_output = r.data;
    return "";
  }
  return r.data.rfind("FAILED ", 0) == 0 ? r.data.substr(7) : r.describe() + ": " + r.data;
}

Command cmd(std::vector<std::string> argv) {
  Command c;
  c.argv = std::move(argv);
  c.timeout_seconds = 3600;
  return c;
}

}  // namespace

std::string fetch_release_upgrade(sandbox::Spec spec, const UpgradePair& pair,
                                  const std::vector<std::string>& packages) {
  spec.share_network = true;
  std::vector<Command> commands = {cmd({"sh", "-c", switch_sources(pair.from, pair.to)}),
                                   cmd({"apt-get", "update", "-q"})};
  Command upgrade = cmd({"apt-get", "full-upgrade", "--download-only"});
  upgrade.argv.insert(upgrade.argv.end(), kNonInteractive.begin(), kNonInteractive.end());
  commands.push_back(upgrade);
  if (!packages.empty()) {
    Command steps = cmd({"apt-get", "install", "--download-only"});
    steps.argv.insert(steps.argv.end(), kNonInteractive.begin(), kNonInteractive.end());
    steps.argv.insert(steps.argv.end(), packages.begin(), packages.end());
    commands.push_back(steps);
  }
  return run_in(spec, commands);
}

std::string run_release_upgrade(sandbox::Spec spec, std::size_t& packages_changed) {
  spec.share_network = false;
  Command upgrade = cmd({"apt-get", "full-upgrade", "--no-download"});
  upgrade.argv.insert(upgrade.argv.end(), kNonInteractive.begin(), kNonInteractive.end());
  std::string output;
  std::string failed = run_in(spec, {upgrade}, &output);
  // apt's summary: "N upgraded, N newly installed, N to remove and N not upgraded."
  packages_changed = 0;
  if (auto at = output.rfind(" upgraded, "); at != std::string::npos) {
    auto start = output.rfind('\n', at);
    packages_changed = std::stoul(output.substr(start == std::string::npos ? 0 : start + 1));
  }
  return failed;
}

}  // namespace bootstrap
