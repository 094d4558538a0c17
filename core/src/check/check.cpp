#include "bootstrap/check.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "bootstrap/apt_update.hpp"
#include "bootstrap/check_report.hpp"
#include "bootstrap/digest.hpp"
#include "bootstrap/ignore_rules.hpp"
#include "bootstrap/image_trust.hpp"
#include "bootstrap/iso_time.hpp"
#include "bootstrap/layer_cache.hpp"
#include "bootstrap/plan_report.hpp"
#include "bootstrap/root_host.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/sandboxed_steps.hpp"
#include "bootstrap/system_error.hpp"
#include "run_a.hpp"
#include "run_b.hpp"
#include "run_specs.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using nlohmann::json;

void StepOutcome::add_note(const std::string& note) {
  if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
}

bool ReleaseReport::passed() const {
  if (upgrade)
    return environment_error.empty() && upgrade->upgraded.passed && upgrade->converged.passed &&
           upgrade->equivalent.passed;
  return environment_error.empty() && applied.passed && repeatable.passed && idempotent.passed &&
         verified.passed;
}

namespace {

// The host image shows the root filesystem only: the cache is visible there when it lives on it.
bool visible_in_host_image(const fs::path& cache) {
  // The sandbox mounts fresh /tmp, /run and /dev over the image: nothing of these shows.
  for (const char* fresh : {"/tmp/", "/run/", "/dev/"})
    if (cache.string().rfind(fresh, 0) == 0) return false;
  struct stat a {
  }, b{};
  return ::stat("/", &a) == 0 && ::stat(cache.c_str(), &b) == 0 && a.st_dev == b.st_dev;
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The upper layers of later runs laid over earlier ones, as overlayfs would show them.
Manifest merge(const Manifest& base, const Manifest& upper) {
  std::map<std::string, ManifestEntry> merged;
  for (const auto& e : base.entries()) merged.emplace(e.path, e);
  auto drop_below = [&](const std::string& dir) {
    std::string prefix = dir == "/" ? "/" : dir + "/";
    for (auto it = merged.lower_bound(prefix);
         it != merged.end() && it->first.rfind(prefix, 0) == 0;)
      it = merged.erase(it);
  };
  for (const auto& e : upper.entries()) {
    if (e.type == ManifestEntry::Type::Whiteout || e.opaque || e.type != ManifestEntry::Type::Dir)
      drop_below(e.path);
    merged[e.path] = e;
  }
  std::vector<ManifestEntry> out;
  out.reserve(merged.size());
  for (auto& [path, e] : merged) out.push_back(std::move(e));
  return Manifest(std::move(out));
}

// A directory that no lower layer has looks the same opaque or not; overlayfs marks one opaque
// when a later layer creates it over an earlier layer's, so stacked run A and single-layer run B
// would differ in a flag that changes nothing. Clear it where nothing below could show through.
Manifest without_meaningless_opaque(const Manifest& m, const std::vector<fs::path>& below) {
  std::vector<ManifestEntry> out = m.entries();
  for (auto& e : out) {
    if (!e.opaque) continue;
    bool shows_below = false;
    for (const auto& dir : below) {
      struct stat st {};
      if (::lstat((dir / e.path.substr(1)).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        shows_below = true;
    }
    if (!shows_below) e.opaque = false;
  }
  return Manifest(std::move(out));
}

// Files to fetch: plain, distinct names; a SHA-256 for everything that is not a local file.
void check_fetch_files(std::vector<FetchFile>& files) {
  std::map<std::string, const FetchFile*> by_name;
  for (auto& f : files) {
    bool control = std::any_of(f.name.begin(), f.name.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (f.name.empty() || f.name == "." || f.name == ".." ||
        f.name.find('/') != std::string::npos || control)
      throw std::runtime_error("fetch: '" + f.name + "' (for " + f.url +
                               ") is not a plain file name");
    for (char& c : f.sha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool hex = f.sha256.size() == 64 &&
               f.sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!f.sha256.empty() && !hex)
      throw std::runtime_error("fetch: " + f.url + ": sha256 '" + f.sha256 +
                               "' is not 64 hex digits");
    if (f.sha256.empty() && f.url.rfind("file://", 0) != 0)
      throw std::runtime_error("fetch: " + f.url + ": a download needs the sha256 it must have");
    auto [it, fresh] = by_name.emplace(f.name, &f);
    if (!fresh && (it->second->url != f.url || it->second->sha256 != f.sha256))
      throw std::runtime_error("fetch: two steps want different files named '" + f.name + "' (" +
                               it->second->url + ", " + f.url + ")");
  }
  std::sort(files.begin(), files.end(),
            [](const FetchFile& a, const FetchFile& b) { return a.name < b.name; });
  files.erase(std::unique(files.begin(), files.end(),
                          [](const FetchFile& a, const FetchFile& b) { return a.name == b.name; }),
              files.end());
}

// The layer (index) that last changed `path`: the top-most one whose entry differs from the one
// below it. A folder that overlay merely copied up, to hold a later step's file, is not the later
// step's doing. -1 when no layer holds it.
int layer_that_wrote(const std::string& path, const std::vector<Manifest>& layers) {
  auto same = [](ManifestEntry a, ManifestEntry b) {
    a.mtime_ns = b.mtime_ns = 0;
    a.opaque = b.opaque = false;
    return a == b;
  };
  const ManifestEntry* above = nullptr;
  int at = -1;
  for (std::size_t i = layers.size(); i-- > 0;) {
    const ManifestEntry* e = layers[i].find(path);
    if (e == nullptr) continue;
    if (above != nullptr && !same(*above, *e)) return at;
    above = e;
    at = static_cast<int>(i);
  }
  return at;
}

// The digest of a file:// URL's file on this machine (the URL's path is absolute).
std::string local_file_digest(const FetchFile& f) {
  std::string path = f.url.substr(7);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (path.empty() || path[0] != '/' || !fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    throw std::runtime_error(
        "fetch: " + f.url +
        ": not a readable file on this machine (file:// takes an absolute path)");
  return digest_fd(fd.get()).hex();
}

}  // namespace

// The fetch phase: with the machine's network, update apt's lists and download every package
// the steps declare, into a layer that runs A and B share.
fs::path prepare_fetch_layer(ConfiguredBaseline& baseline, const std::string& image_name,
                             const fs::path& image_root, const std::string& image_digest,
                             const CheckOptions& options, ReleaseReport& report,
                             const CheckProgress& progress, LayersInUse& in_use) {
  const fs::path& cache = options.cache_root;
  struct {
    std::string name;
    fs::path root;
    std::string digest;
  } image{image_name, image_root, image_digest};
  Fetch all;
  for (auto& s : baseline.steps) {
    Fetch f;
    if (Status st = s.instance.port().fetch(f))
      throw std::runtime_error("plugin " + step_name(s.step) +
                               " failed to say what it needs: " + st->message);
    all.packages.insert(all.packages.end(), f.packages.begin(), f.packages.end());
    all.apt_sources.insert(all.apt_sources.end(), f.apt_sources.begin(), f.apt_sources.end());
    all.files.insert(all.files.end(), f.files.begin(), f.files.end());
  }
  if (all.empty()) return {};
  report.fetch_needed = true;
  check_fetch_files(all.files);
  Hasher h;
  h.update_field("bootstrap fetch layer v1");
  h.update_field(image.digest);
  std::vector<std::pair<std::string, std::string>> sources;  // (name, key bytes)
  for (const auto& p : all.packages) h.update_field(p);
  for (const auto& f : all.files) {
    h.update_field(f.url);
    h.update_field(f.sha256);
    h.update_field(f.name);
    // A local file may change under the same name: its content is part of the key.
    if (f.url.rfind("file://", 0) == 0) h.update_field(local_file_digest(f));
  }
  for (const auto& s : all.apt_sources) {
    std::string key = read_text(s.key_file);
    h.update_field(s.deb_line);
    h.update_field(key);
    sources.emplace_back(s.name, key);
  }
  CachedLayer layer = cached_layer(cache, "fetch-" + h.finish().hex());
  LayerMakeLock lock(layer);
  if (reusable_layer(layer, image.name, progress)) {
    in_use.hold(layer);
    report.fetch_cached = true;
    progress(image.name, "fetch: reusing the prepared layer (nothing downloaded)");
    return layer.tree();
  }
  std::vector<std::string> what;
  if (!all.packages.empty() || !all.apt_sources.empty())
    what.push_back(
        fmt::format("apt-get update and download of {} package(s)", all.packages.size()));
  if (!all.files.empty()) what.push_back(fmt::format("download of {} file(s)", all.files.size()));
  progress(image.name, fmt::format("fetch: {}, with the network", fmt::join(what, ", ")));
  sandbox::Scratch scratch(cache);
  sandbox::Spec spec;
  spec.lowers = {image.root};
  spec.upper = scratch.upper();
  spec.work = scratch.work();
  spec.share_network = true;
  if (image.name == "host" && visible_in_host_image(cache)) spec.masked = {cache.string()};
  auto packages = all.packages;
  auto apt_sources = all.apt_sources;
  auto files = all.files;
  // A file:// URL names a file on this machine, which the image may not have: it is bound
  // read-only into the sandbox's /run (a tmpfs, so it never lands in the layer), and fetched
  // from there like any other URL.
  for (auto& f : files) {
    if (f.url.rfind("file://", 0) != 0) continue;
    std::string inside = "/run/bootstrap-fetch/" + f.name;
    spec.binds.push_back({fs::path(f.url.substr(7)), inside, true});
    f.url = "file://" + inside;
  }
  auto sb = sandbox::Sandbox::start(spec, [packages, apt_sources, sources, files](int fd) {
    RootHost host("/");
    auto say = [fd](const std::string& s) { (void)!::write(fd, s.data(), s.size()); };
    for (std::size_t i = 0; i < apt_sources.size(); ++i) {
      const auto& s = apt_sources[i];
      std::string key_path = "/etc/apt/keyrings/" + s.name +
                             (sources[i].second.rfind("-----BEGIN", 0) == 0 ? ".asc" : ".gpg");
      if (host.stat("/etc/apt/keyrings").type == FileType::Missing)
        host.make_dir("/etc/apt/keyrings", 0755, 0, 0);
      host.write_file(key_path, sources[i].second, 0644, 0, 0);
      host.write_file("/etc/apt/sources.list.d/" + s.name + ".list", s.deb_line + "\n", 0644, 0, 0);
    }
    std::vector<Command> commands;
    if (!packages.empty() || !apt_sources.empty())
      commands.push_back({{"apt-get", "update", "-q"}, {}, "", "/", 0, 0});
    Command download{{"apt-get", "install", "-y", "-q", "--download-only", "-o",
                      "APT::Keep-Downloaded-Packages=true"},
                     {},
                     "",
                     "/",
                     0,
                     0};
    download.argv.insert(download.argv.end(), packages.begin(), packages.end());
    if (!packages.empty()) commands.push_back(download);
    if (!files.empty()) host.make_dir(kFetchedFilesDir, 0755, 0, 0);
    for (const auto& f : files) {
      std::string target = std::string(kFetchedFilesDir) + "/" + f.name;
      if (f.url.rfind("file://", 0) == 0) {
        // Bound in read-only (see below): a copy, and the hash checked when there is one.
        commands.push_back({{"cp", "--", f.url.substr(7), target}, {}, "", "/", 0, 0});
        if (!f.sha256.empty())
          commands.push_back({{"sha256sum", "--check", "--strict", "-"},
                              {},
                              f.sha256 + "  " + target + "\n",
                              "/",
                              0,
                              0});
        continue;
      }
      // apt's downloader: its proxy settings, TLS, and the hash checked before the file lands.
      Command get{{"/usr/lib/apt/apt-helper", "-o", "APT::Sandbox::User=root", "download-file",
                   f.url, target},
                  {},
                  "",
                  "/",
                  0,
                  0};
      if (!f.sha256.empty()) get.argv.push_back("SHA256:" + f.sha256);
      commands.push_back(get);
    }
    std::vector<NamedAptSource> named;
    for (const auto& s : apt_sources) named.push_back({s.name, s.deb_line});
    for (const auto& c : commands) {
      CommandResult r = host.run(c);
      // apt-get update exits 0 when sources fail: say which, before "Unable to locate package".
      if (c.argv.size() > 1 && c.argv[1] == "update") {
        std::string failed = describe_apt_fetch_failures(apt_fetch_failures(r.output), named);
        if (!failed.empty()) {
          say(failed);
          return 1;
        }
      }
      if (!r.ok()) {
        try {
          throw_command_failed(c, r);
        } catch (const std::exception& e) {
          say(e.what());
        }
        return 1;
      }
    }
    // The sources and keys are the steps' to write: keep only the lists and the packages, so
    // that what a step writes shows in its runs (and in --show-changes).
    for (std::size_t i = 0; i < apt_sources.size(); ++i) {
      const auto& s = apt_sources[i];
      host.remove("/etc/apt/keyrings/" + s.name +
                  (sources[i].second.rfind("-----BEGIN", 0) == 0 ? ".asc" : ".gpg"));
      host.remove("/etc/apt/sources.list.d/" + s.name + ".list");
    }
    return 0;
  });
  sandbox::Result r = sb.wait();
  if (r.status != 0)
    throw std::runtime_error("fetch phase failed (" + r.describe() + "): " + r.data);
  report.fetched_bytes =
      sandbox::tree_bytes(scratch.upper() / "var/cache/apt/archives") +
      sandbox::tree_bytes(scratch.upper() / "var/lib/apt/lists") +
      sandbox::tree_bytes(scratch.upper() / fs::path(kFetchedFilesDir).relative_path());
  Manifest m = build_manifest(scratch.upper());
  store_layer(scratch.upper(), layer, m, json{{"fetched_bytes", report.fetched_bytes}});
  in_use.hold(layer);
  return layer.tree();
}

namespace {

// What the steps declare as a host's identity (SSH host keys): never compared between runs.
IgnoreRules per_host_rules(ConfiguredBaseline& baseline) {
  IgnoreRules rules;
  for (auto& s : baseline.steps) {
    std::vector<std::string> paths;
    if (Status st = s.instance.port().per_host_paths(paths))
      throw std::runtime_error("plugin " + step_name(s.step) +
                               " failed to say which paths are per host: " + st->message);
    for (auto& p : paths)
      rules.add(std::move(p), "per host: a host's identity, made by " + step_name(s.step));
  }
  return rules;
}

// Where the result of a passing check is kept, keyed by everything it proved: the image and
// fetch layer (in the first step's key), every step's key, the ignore rules, the options.
fs::path result_file(const fs::path& cache, const std::string& last_key, const IgnoreRules& ignore,
                     const CheckOptions& options) {
  Hasher h;
  h.update_field("bootstrap check result v1");
  h.update_field(last_key);
  for (const auto& rule : ignore.rules()) h.update_field(rule.pattern);
  h.update_field(options.strict_times ? "strict times" : "");
  return cache / "results" / (h.finish().hex() + ".json");
}

std::optional<ReleaseReport> reusable_result(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    json j = json::parse(in);
    ReleaseReport r = release_from_json(j.at("report").dump());
    if (!r.passed()) return std::nullopt;
    r.reused_from = j.at("checked_at").get<std::string>();
    return r;
  } catch (const std::exception&) {
    return std::nullopt;  // half written or from another version: check again
  }
}

void keep_result(const fs::path& file, const ReleaseReport& r) {
  fs::create_directories(file.parent_path());
  fs::path tmp = file.string() + ".tmp-" + std::to_string(::getpid());
  std::ofstream(tmp)
      << json{{"checked_at", iso_now()}, {"report", json::parse(release_json(r))}}.dump();
  fs::rename(tmp, file);
}

}  // namespace

CheckStart start_check(ConfiguredBaseline& baseline, const std::string& image_name,
                       const CheckOptions& options, ReleaseReport& report,
                       const CheckProgress& progress, LayersInUse& in_use) {
  const fs::path& cache = options.cache_root;
  sandbox::ImageStore store(cache);
  CheckStart s{trusted_image(store, image_name,
                             [&](const std::string& line) { progress(image_name, line); }),
               {},
               {},
               {},
               {},
               IgnoreRules::builtin(),
               per_host_rules(baseline)};
  report.release = s.image.release;
  report.image_digest = s.image.digest;
  s.fetch = prepare_fetch_layer(baseline, s.image.name, s.image.root, s.image.digest, options,
                                report, progress, in_use);
  for (const auto& pattern : baseline.baseline.ignore)
    s.ignore.add(pattern, "the baseline's ignore rule");
  s.ignore.add(s.per_host);
  // On the host image the cache is part of "/": hide it so runs see neither layers nor records.
  if (s.image.name == "host" && visible_in_host_image(cache)) s.base.masked = {cache.string()};
  // Each step's key names every step up to it (its layer in run A's cache).
  std::string chain = digest_bytes(s.image.digest + "\n" + s.fetch.string()).hex();
  for (auto& step : baseline.steps)
    s.keys.push_back(chain = step_key(chain, step, baseline.baseline.dir()));
  s.last_key = chain;
  return s;
}

Manifest merged_manifest(const std::vector<Manifest>& layers, const std::vector<fs::path>& below) {
  Manifest m;
  for (const auto& layer : layers) m = merge(m, layer);
  return without_meaningless_opaque(m, below);
}

ReleaseReport check_image(ConfiguredBaseline& baseline, const std::string& image_name,
                          const CheckOptions& options, const CheckProgress& progress) {
  double t0 = now();
  ReleaseReport report;
  report.image = image_name;
  const fs::path& cache = options.cache_root;
  report.steps = step_outcomes(baseline);

  LayersInUse in_use;  // until every sandbox of this check is gone
  CheckStart start = start_check(baseline, image_name, options, report, progress, in_use);
  const sandbox::Image& image = start.image;
  const fs::path& fetch = start.fetch;
  const IgnoreRules& ignore = start.ignore;
  const IgnoreRules& per_host = start.per_host;
  const sandbox::Spec& base = start.base;

  // Nothing changed since a passing check: its result stands.
  fs::path result = result_file(cache, start.last_key, ignore, options);
  if (options.use_cache) {
    if (auto kept = reusable_result(result)) {
      progress(image_name, "nothing changed since the check of " + kept->reused_from + "; reused");
      kept->fetch_needed = report.fetch_needed;  // what this check's fetch phase did
      kept->fetch_cached = report.fetch_cached;
      kept->fetched_bytes = report.fetched_bytes;
      kept->seconds = now() - t0;
      return *kept;
    }
  }

  // Runs A and B side by side, step by step: B's step k runs while A's does (each over its own
  // chain of cached layers), and B's last step while A's re-apply and checks run.
  RunContext context = run_context(baseline, start, options, in_use);
  progress(image_name, "run B: applying the steps its own cache does not hold");
  RunB run_b(context, report);
  RunA run_a(context, report, progress);
  bool a_ok = true, b_ok = true;
  for (StepPosition p = 0; p < baseline.steps.size() && a_ok; ++p) {
    a_ok = run_a.step(p);
    if (p + 1 < baseline.steps.size()) b_ok = run_b.catch_up(p) && b_ok;
  }
  if (!a_ok) run_b.stop();
  const std::vector<Manifest>& layer_manifests = run_a.manifests();

  // A is done: its re-apply (idempotent) and its checks need nothing of B, so they run while B
  // still works (with run A cached, B's apply is all the time there is).
  std::optional<sandbox::Scratch> scratch_r;
  std::optional<SandboxedSteps> reapply, verify_a;
  if (a_ok) {
    progress(image_name, "re-apply on A, and checks on A, while run B goes on");
    scratch_r.emplace(cache);
    reapply.emplace(SandboxedSteps::start(
        baseline, spec_over(base, lowers_of(run_a.lowers(), fetch, image), &*scratch_r, "run-a"),
        {all_steps(baseline), {}}));
    verify_a.emplace(SandboxedSteps::start(
        baseline,
        checks_spec(spec_over(base, lowers_of(run_a.lowers(), fetch, image), nullptr, "run-a")),
        {{}, all_steps(baseline)}));
  }

  while (b_ok && run_b.running()) b_ok = run_b.advance();  // its last step, meanwhile
  report.applied.ran = true;
  report.applied.passed = a_ok && b_ok;
  for (const auto& o : report.steps)
    if (!o.error.empty()) report.applied.messages.push_back(o.error);
  if (!run_b.crash().empty()) report.applied.messages.push_back("run B: " + run_b.crash());
  if (!report.applied.passed) {
    report.seconds = now() - t0;
    return report;
  }

  std::vector<fs::path> below;
  if (!fetch.empty()) below.push_back(fetch);
  below.push_back(image.root);
  Manifest ma = merged_manifest(layer_manifests, below);
  Manifest mb = merged_manifest(run_b.manifests(), below);
  report.manifest_digest = ma.digest(options.strict_times);

  // Repeatable: A and B, path by path, naming the step of A that wrote each path.
  report.repeatable.ran = true;
  auto diffs = compare(ma, mb, ignore, options.strict_times);
  for (const auto& d : diffs) {
    std::string writer;
    if (int i = layer_that_wrote(d.path, layer_manifests); i >= 0)
      writer = " (written by " + step_name(baseline.steps[static_cast<std::size_t>(i)].step) + ")";
    report.repeatable.messages.push_back(d.to_string() + writer);
  }
  report.repeatable.passed = diffs.empty();

  progress(image_name, "checks on B");
  sandbox::Spec spec_bv =
      checks_spec(spec_over(base, lowers_of(run_b.lowers(), fetch, image), nullptr, "run-b"));
  StepsResult vb = SandboxedSteps::start(baseline, spec_bv, {{}, all_steps(baseline)}).finish();
  StepsResult r = reapply->finish();
  StepsResult va = verify_a->finish();

  report.idempotent.ran = true;
  for (const auto& rep : r.applied) {
    StepOutcome& o = report.steps.at(static_cast<std::size_t>(rep.index));
    o.changes_reapply = rep.changes.size();
    for (const auto& n : rep.notes) o.add_note(n);
    if (rep.error) report.idempotent.messages.push_back("re-apply: " + *rep.error);
    for (const auto& c : rep.changes)
      report.idempotent.messages.push_back(
          fmt::format("{} reported a change on re-apply: {} {}{}",
                      step_name(baseline.steps[static_cast<std::size_t>(rep.index)].step),
                      change_verb(c.kind), c.what, c.detail.empty() ? "" : " (" + c.detail + ")"));
  }
  if (!r.crash.empty()) report.idempotent.messages.push_back("re-apply: " + r.crash);
  Manifest mr = build_manifest(scratch_r->upper(), context.manifest());
  for (const auto& d : compare(ma, without_meaningless_opaque(merge(ma, mr), below), ignore,
                               options.strict_times)) {
    std::string writer;
    for (const auto& rep : r.applied)
      for (const auto& c : rep.changes)
        if (c.what == d.path)
          writer =
              " (by " + step_name(baseline.steps[static_cast<std::size_t>(rep.index)].step) + ")";
    report.idempotent.messages.push_back("re-apply changed " +
                                         d.to_string("after run A", "after re-apply") + writer);
  }
  report.idempotent.passed = report.idempotent.messages.empty();

  report.verified.ran = true;
  report.services = std::max(va.services, vb.services);
  report.services_seconds = std::max(va.services_seconds, vb.services_seconds);
  for (auto& o : report.steps) {
    add_checks(o, va.verified, "A");
    add_checks(o, vb.verified, "B");
    add_failed_checks(baseline, o, report.verified.messages);
  }
  if (!va.crash.empty()) report.verified.messages.push_back("checks on A: " + va.crash);
  if (!vb.crash.empty()) report.verified.messages.push_back("checks on B: " + vb.crash);
  report.verified.passed = report.verified.messages.empty();

  // What the baseline writes, for --show-changes.
  for (const auto& c : list_changes(ma, below)) {
    int i = layer_that_wrote(c.entry->path, layer_manifests);
    int step = i < 0 ? -1 : baseline.steps[static_cast<std::size_t>(i)].step.index;
    report.changes.push_back(
        {std::string(to_string(c.kind)), c.entry->path, step, per_host.matches(c.entry->path)});
  }
  report.seconds = now() - t0;
  if (report.passed()) keep_result(result, report);
  return report;
}

}  // namespace bootstrap
