// bootstrap check BASELINE: prove it applied, repeatable, idempotent and verified, per release.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "bootstrap/check.hpp"
#include "bootstrap/check_report.hpp"
#include "bootstrap/exit_codes.hpp"
#include "bootstrap/matrix.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/interrupt.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"
#include "bootstrap/upgrade.hpp"
#include "commands.hpp"

namespace bootstrap::cli {
namespace {

struct CheckFlags {
  std::string baseline;
  std::vector<std::string> images;
  std::string os;
  std::string json_file;
  std::string junit_file;
  bool show_changes = false;
  bool no_cache = false;
  bool strict_times = false;
  bool no_record = false;
  std::string record_out;
  int jobs = 1;
  std::string shard;
  std::vector<std::string> upgrades;  // FROM..TO
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

Shard parse_shard_flag(const std::string& text) {
  try {
    return parse_shard(text);
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError("--shard", e.what());
  }
}

// The images of this runner's shard (by baseline name and release: see in_shard).
std::vector<std::string> shard_of(const std::vector<std::string>& images, const Baseline& baseline,
                                  const Shard& shard, Console& console) {
  std::vector<std::string> mine;
  for (const auto& image : images)
    if (in_shard(baseline.name, image.rfind("debian:", 0) == 0 ? image.substr(7) : image, shard))
      mine.push_back(image);
  console.progress(fmt::format("==> shard {}/{}: {} of the {} release(s) of '{}'{}", shard.index,
                               shard.count, mine.size(), images.size(), baseline.name,
                               mine.empty() ? "; nothing to check here" : ""));
  return mine;
}

// One release (or one upgrade pair, "upgrade:FROM..TO"), with its failure turned into a report
// (the other releases still run).
ReleaseReport check_one(ConfiguredBaseline& configured, const std::string& image,
                        const CheckOptions& options, Console& console, bool live) {
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::string doing = image;
  try {
    CheckProgress progress = [&](const std::string& img, const std::string& line) {
      doing = img + ": " + line;
      std::string text = fmt::format("[{:6.1f}s] {}", elapsed(), doing);
      live ? console.status(text) : console.progress(text);
    };
    if (image.rfind("upgrade:", 0) == 0)
      return check_upgrade(configured, parse_upgrade_pair(image.substr(8)), options, progress);
    return check_image(configured, image, options, progress);
  } catch (const sandbox::Interrupted& e) {
    throw e.during(doing);
  } catch (const EnvironmentError& e) {
    ReleaseReport r;
    r.image = image;
    r.environment_error = e.what();
    r.seconds = elapsed();
    return r;
  } catch (const std::exception& e) {
    ReleaseReport r;
    r.image = image;
    r.release = image.rfind("debian:", 0) == 0 ? image.substr(7) : image;
    r.applied.ran = true;
    r.applied.messages.push_back(e.what());
    r.seconds = elapsed();
    return r;
  }
}

std::vector<ReleaseReport> check_in_turn(ConfiguredBaseline& configured,
                                         const std::vector<std::string>& images,
                                         const CheckOptions& options, Console& console) {
  std::vector<ReleaseReport> reports;
  for (const auto& image : images) {
    reports.push_back(check_one(configured, image, options, console, true));
    console.clear_status();
  }
  return reports;
}

// --jobs: each release in a child process of its own (sandboxes are started without threads,
// so a process per release is the unit of parallelism); reports come back as JSON on a pipe.
std::vector<ReleaseReport> check_in_parallel(ConfiguredBaseline& configured,
                                             const std::vector<std::string>& images,
                                             const CheckOptions& options, Console& console,
                                             int jobs) {
  struct Child {
    pid_t pid = -1;
    UniqueFd out;
    std::string data;
  };
  std::vector<Child> children(images.size());
  std::size_t next = 0;
  std::size_t running = 0;
  auto start = [&](std::size_t i) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw SystemError("pipe2()", errno);
    pid_t pid = fork();
    if (pid < 0) throw SystemError("fork()", errno);
    if (pid == 0) {
      close(fds[0]);
      std::string text;
      try {
        text = release_json(check_one(configured, images[i], options, console, false));
      } catch (const sandbox::Interrupted& e) {
        console.error(e.what());
        _exit(e.exit_status());
      }
      std::size_t done = 0;
      while (done < text.size()) {
        ssize_t n = write(fds[1], text.data() + done, text.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      _exit(0);
    }
    close(fds[1]);
    sandbox::track_helper(pid);  // a signal to this process reaches the releases' checks too
    children[i].pid = pid;
    children[i].out.reset(fds[0]);
    ++running;
  };
  while (next < images.size() && running < static_cast<std::size_t>(jobs)) start(next++);
  while (running > 0) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < children.size(); ++i)
      if (children[i].out) {
        fds.push_back({children[i].out.get(), POLLIN, 0});
        which.push_back(i);
      }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) throw SystemError("poll()", errno);
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Child& c = children[which[k]];
      char buf[65536];
      ssize_t n = read(c.out.get(), buf, sizeof buf);
      if (n > 0) {
        c.data.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      c.out.reset();
      int status = 0;
      waitpid(c.pid, &status, 0);
      sandbox::untrack(c.pid);
      --running;
      if (next < images.size() && !sandbox::interrupting_signal()) start(next++);
    }
  }
  sandbox::throw_if_interrupted();
  std::vector<ReleaseReport> reports;
  for (std::size_t i = 0; i < images.size(); ++i) {
    try {
      reports.push_back(release_from_json(children[i].data));
    } catch (const std::exception&) {
      ReleaseReport r;
      r.image = images[i];
      r.applied.ran = true;
      r.applied.messages.push_back("the check of " + images[i] +
                                   " ended without a report (its process died)");
      reports.push_back(r);
    }
  }
  return reports;
}

// {"schema_version": 1, "records": [...]}: the records of the releases that passed.
void write_record_file(const std::string& file, const ConfiguredBaseline& configured,
                       const std::vector<ReleaseReport>& reports, Console& console) {
  std::string records;
  std::size_t n = 0;
  for (const ReleaseReport& r : reports) {
    if (!r.passed() || r.upgrade) continue;
    records += std::string(n++ ? ",\n" : "") + record_json(configured, r);
  }
  if (n == 0) {
    console.warn("no release passed: no record written to " + file);
    return;
  }
  write_file(file, "{\"schema_version\": 1, \"records\": [\n" + records + "\n]}\n");
  console.progress("records of " + std::to_string(n) + " passing release(s) written to " + file);
}

}  // namespace

void add_check_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "check",
      "Prove a baseline in disposable sandboxes, for each release: fetch (with the network),\n"
      "run A and run B from scratch (offline), re-apply on A. Verdicts: applied, repeatable\n"
      "(A == B modulo ignore rules), idempotent (the re-apply changes nothing), verified (every\n"
      "plugin check passes). Run A's steps are cached as layers: an unchanged prefix is reused.\n"
      "A passing check writes a record that 'apply --for-real' requires.");
  auto f = std::make_shared<CheckFlags>();
  cmd->add_option("BASELINE", f->baseline, "Baseline file (YAML)")->required();
  cmd->add_option("--image", f->images,
                  "Check on this image instead: debian:<release> or host (repeatable)");
  cmd->add_option("--os", f->os,
                  "Releases to check, comma separated (default: the baseline's 'os')");
  cmd->add_option("--json", f->json_file,
                  "Write the report as JSON (schema_version 1) to this file");
  cmd->add_option("--junit", f->junit_file,
                  "Write a JUnit XML report to this file (a testsuite per release)");
  cmd->add_flag("--show-changes", f->show_changes,
                "List every path the baseline writes (created / modified / removed)");
  cmd->add_flag("--no-cache", f->no_cache,
                "Run A from scratch too instead of reusing cached step layers");
  cmd->add_flag("--strict-times", f->strict_times, "Also compare modification times");
  cmd->add_option("--jobs,-j", f->jobs,
                  "Check this many releases at once (each in its own process)")
      ->check(CLI::Range(1, 16));
  cmd->add_flag("--no-record", f->no_record, "Do not write a record when the check passes");
  cmd->add_option(
      "--shard", f->shard,
      "I/N: check only the releases of runner I of N (a stable split of baseline x release "
      "pairs; merge the reports with `report merge`)");
  cmd->add_option("--upgrade", f->upgrades,
                  "FROM..TO (repeatable): instead of fresh checks, run A on FROM, the release "
                  "upgraded to TO the Debian way (sources switched, apt-get full-upgrade "
                  "offline), the baseline applied again and its checks, then the tree compared "
                  "with a fresh TO host's, path by path and package by package. Verdicts: "
                  "upgraded, converged, equivalent ('upgrade_ignore:' accepts known drift)")
      ->type_name("FROM..TO")
      ->check([](const std::string& text) {
        try {
          parse_upgrade_pair(text);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      });
  cmd->add_option("--record-out", f->record_out,
                  "Also write the records of the releases that passed to this file, for "
                  "'apply --for-real --record FILE' on hosts elsewhere");
  cmd->callback([&action, f] {
    action = [f](const GlobalOptions& global) {
      sandbox::stop_on_signals();
      Console console = global.console();
      ConfiguredBaseline configured = load_configured(global, f->baseline);
      const Baseline& baseline = configured.baseline;
      std::vector<std::string> images = f->images;
      for (const auto& pair : f->upgrades) images.push_back("upgrade:" + pair);
      if (images.empty()) {
        std::vector<std::string> releases = f->os.empty() ? baseline.os : parse_os_list(f->os);
        for (const auto& r : releases) images.push_back("debian:" + r);
      }
      if (!f->shard.empty())
        images = shard_of(images, baseline, parse_shard_flag(f->shard), console);
      CheckOptions options;
      options.cache_root = sandbox_cache(global);
      options.use_cache = !f->no_cache;
      options.strict_times = f->strict_times;

      console.progress(fmt::format("==> checking '{}' ({} steps) on {}", baseline.name,
                                   configured.steps.size(), fmt::join(images, ", ")));
      std::vector<ReleaseReport> reports =
          f->jobs > 1 && images.size() > 1
              ? check_in_parallel(configured, images, options, console, f->jobs)
              : check_in_turn(configured, images, options, console);
      bool environment_failed = false;
      for (const ReleaseReport& r : reports) {
        environment_failed = environment_failed || !r.environment_error.empty();
        if (r.passed() && !r.upgrade && !f->no_record) {
          auto file = write_record(default_state_dir(), configured, r);
          console.debug("record: " + file.string());
        }
      }
      if (!f->record_out.empty()) write_record_file(f->record_out, configured, reports, console);
      print_check_report(console, configured, reports, f->show_changes);
      if (!f->json_file.empty()) write_file(f->json_file, check_json(configured, reports));
      if (!f->junit_file.empty()) write_file(f->junit_file, check_junit(configured, reports));
      bool all =
          std::all_of(reports.begin(), reports.end(), [](const auto& r) { return r.passed(); });
      if (all) return kExitOk;
      return environment_failed ? kExitEnvironment : kExitFailed;
    };
  });
}

void add_records_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "records",
      "List the records of passing checks (baseline, release, time, result digest). A record\n"
      "proves that this baseline with these plugins passed on that release's image.");
  cmd->callback([&action] {
    action = [](const GlobalOptions& global) {
      Console console = global.console();
      auto records = list_records(default_state_dir());
      console.out(fmt::format("{:<20} {:<18} {:<22} {}", "BASELINE", "IMAGE", "TIME", "RESULT"));
      for (const auto& r : records)
        console.out(
            fmt::format("{:<20} {:<18} {:<22} {}", r.baseline, r.image, r.time, r.manifest_digest));
      if (records.empty())
        console.progress("no records yet in " + (default_state_dir() / "records").string());
      return kExitOk;
    };
  });
}

}  // namespace bootstrap::cli
