// bootstrap export: the proven tree, squashed, without a host's identity, written as asked.
// Nothing appears at the output path until it is complete: it is made beside it and renamed.
#include "bootstrap/export.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "bootstrap/root_host.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

// "2026-12-02T19:50:00Z" as seconds since the epoch.
long long epoch_of(const std::string& iso) {
  std::tm utc{};
  const char* end = ::strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  if (end == nullptr || *end != '\0')
    throw std::runtime_error("the record's time '" + iso + "' is not an ISO 8601 UTC time");
  return static_cast<long long>(::timegm(&utc));
}

// The path beside `out` that becomes it, removed unless kept.
class Beside {
 public:
  explicit Beside(const fs::path& out)
      : path_(out.parent_path() /
              fmt::format(".{}.bootstrap-{}", out.filename().string(), ::getpid())) {
    sandbox::remove_tree(path_);
  }
  ~Beside() {
    if (!kept_) sandbox::remove_tree(path_);
  }
  const fs::path& path() const { return path_; }
  void become(const fs::path& out) {
    std::error_code ec;
    fs::remove(out, ec);  // an empty directory given as the place to write
    if (::rename(path_.c_str(), out.c_str()) != 0)
      throw SystemError("rename(" + path_.string() + ", " + out.string() + ")", errno);
    kept_ = true;
  }

 private:
  fs::path path_;
  bool kept_ = false;
};

// apt's downloaded packages: the fetch phase's, of no use on a host made from the image.
void drop_package_cache(const fs::path& root) {
  RootHost host(root);
  for (const char* dir : {"/var/cache/apt/archives", "/var/cache/apt"}) {
    if (host.stat(dir).type != FileType::Directory) continue;
    for (const auto& name : host.list_dir(dir)) {
      bool package = name.size() > 4 && name.compare(name.size() - 4, 4, ".deb") == 0;
      bool pkgcache = name.size() > 4 && name.compare(name.size() - 4, 4, ".bin") == 0;
      if (package || pkgcache) host.remove(std::string(dir) + "/" + name);
    }
  }
}

std::uint64_t count_entries(const fs::path& root) {
  std::uint64_t n = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it)
    ++n;
  return n;
}

}  // namespace

std::string export_refusal(const fs::path& out) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(out, ec);
  if (fs::exists(st) && !(fs::is_directory(st) && fs::is_empty(out, ec)))
    return out.string() + " exists: give a path that does not (or an empty directory)";
  if (!fs::is_directory(fs::absolute(out).parent_path(), ec))
    return out.string() + ": its folder does not exist";
  return "";
}

ExportResult export_proven(ConfiguredBaseline& baseline, const std::string& release,
                           const ExportOptions& o, const CheckProgress& progress) {
  std::string image = "debian:" + release;
  if (std::string why = export_refusal(o.out); !why.empty()) throw std::runtime_error(why);
  long long epoch = epoch_of(o.checked_at);
  ExportResult result;
  sandbox::Scratch scratch(o.cache_root);  // on the cache's filesystem: the tree is hard links
  fs::path tree = scratch.upper();
  CheckOptions copts;
  copts.cache_root = o.cache_root;
  SquashedRunA run_a = squash_run_a(baseline, image, copts, progress, tree);
  if (run_a.digest != o.result_digest)
    throw std::runtime_error(fmt::format(
        "run A of '{}' on {}, made again from the cache, is {}, not the {} the record {} "
        "proved: check it again ('bootstrap check {} --os {}'), then export",
        baseline.baseline.name, release, run_a.digest, o.result_digest, o.record_file,
        baseline.baseline.file.string(), release));
  result.result_digest = run_a.digest;
  progress(image, "removing the host's identity and apt's downloaded packages");
  drop_package_cache(tree);
  result.identity = remove_host_identity(tree, run_a.per_host);
  result.files = count_entries(tree);

  Beside beside(o.out);
  fs::path tar = o.format == ExportFormat::Tar ? beside.path() : scratch.dir() / "layer.tar";
  progress(image, "writing the archive (GNU tar: sorted, one time, numeric owners, xattrs)");
  write_tar(tree, tar, epoch);
  result.archive_bytes = fs::file_size(tar);
  if (o.format == ExportFormat::Dir) {
    progress(image, "extracting it into " + o.out.string());
    fs::create_directory(beside.path());
    RootHost host("/");
    Command x;
    x.argv = {"tar",
              "--extract",
              "--file=" + tar.string(),
              "--directory=" + beside.path().string(),
              "--same-owner",
              "--same-permissions",
              "--numeric-owner",
              "--xattrs",
              "--xattrs-include=*"};
    x.timeout_seconds = 3600;
    CommandResult r = host.run(x);
    if (!r.ok()) throw_command_failed(x, r);
  } else if (o.format == ExportFormat::Oci) {
    progress(image, "writing the OCI image layout (umoci)");
    write_oci(tar, beside.path(), o.tag, epoch,
              {{"org.opencontainers.image.title", baseline.baseline.name},
               {"org.opencontainers.image.description",
                "bootstrap baseline '" + baseline.baseline.name + "' on Debian " + release +
                    ", as its passing check proved it"},
               {"dev.bootstrap.baseline", baseline.baseline.name},
               {"dev.bootstrap.baseline-digest", baseline.baseline.digest},
               {"dev.bootstrap.release", release},
               {"dev.bootstrap.result-digest", run_a.digest},
               {"dev.bootstrap.checked-at", o.checked_at}});
  }
  beside.become(o.out);
  return result;
}

}  // namespace bootstrap
