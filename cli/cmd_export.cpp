// bootstrap export BASELINE --os REL --format dir|tar|oci -o OUT: the tree a passing check
// proved, for new machines.
#include <fmt/format.h>

#include <filesystem>

#include "bootstrap/baseline.hpp"
#include "bootstrap/check_report.hpp"
#include "bootstrap/exit_codes.hpp"
#include "bootstrap/export.hpp"
#include "bootstrap/record_gate.hpp"
#include "bootstrap/sandbox/interrupt.hpp"
#include "commands.hpp"

namespace bootstrap::cli {
namespace {
namespace fs = std::filesystem;

struct ExportFlags {
  std::string baseline;
  std::string os;
  std::string format;
  std::string out;
  std::string tag = "latest";
  std::string record;
};

int export_command(const ExportFlags& f, const GlobalOptions& global) {
  Console console = global.console();
  if (std::string why = export_refusal(f.out); !why.empty()) {
    console.error("-o " + why);  // before anything runs: nothing is lost
    return kExitUsage;
  }
  ConfiguredBaseline configured = load_configured(global, f.baseline);
  std::vector<fs::path> files =
      f.record.empty() ? record_files(default_state_dir()) : std::vector<fs::path>{f.record};
  RecordVerdict proof = find_record(configured, f.os, files);
  if (!proof.proven) {
    console.error("nothing to export: " + proof.why);
    return kExitUsage;
  }
  ExportOptions o;
  o.format = f.format == "dir"   ? ExportFormat::Dir
             : f.format == "oci" ? ExportFormat::Oci
                                 : ExportFormat::Tar;
  o.out = fs::absolute(f.out);
  o.tag = f.tag;
  o.cache_root = sandbox_cache(global);
  o.record_file = proof.record;
  o.result_digest = proof.manifest_digest;
  o.checked_at = proof.time;
  console.progress(fmt::format("==> exporting '{}' on {} as proved by {} ({})",
                               configured.baseline.name, f.os, proof.record, proof.time));
  sandbox::stop_on_signals();
  ExportResult r = export_proven(configured, f.os, o,
                                 [&console](const std::string& image, const std::string& line) {
                                   console.status(image + ": " + line);
                                 });
  console.clear_status();
  for (const auto& line : r.identity) console.progress("  " + line);
  std::string where = o.format == ExportFormat::Oci ? "oci:" + f.out + ":" + f.tag : f.out;
  std::cout << fmt::format("exported {} ({} entries, archive {:.1f} MB), result {}\n", where,
                           r.files, static_cast<double>(r.archive_bytes) / 1e6, r.result_digest);
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, Action& action) {
  auto f = std::make_shared<ExportFlags>();
  auto* cmd = app.add_subcommand(
      "export",
      "Write the tree a passing check proved, for new machines: a directory, a tar "
      "archive or an OCI image");
  cmd->description(
      "Write the tree a passing check proved for a new machine: run A of that check on --os,\n"
      "from the layer cache (a step whose layer is gone is applied again and must give the same\n"
      "result), squashed into one root. A record of the check must exist ('bootstrap check'\n"
      "writes one; or --record FILE): the export's result digest is the record's. apt's\n"
      "downloaded packages are dropped and the host's identity removed: /etc/machine-id\n"
      "emptied (systemd makes one at first boot), SSH host keys removed (a unit makes new ones\n"
      "before sshd first starts), the build machine's /etc/hostname and /etc/resolv.conf\n"
      "removed. Every entry's time is the check's and entries are sorted: two exports of one\n"
      "record are the same bytes. oci is made by umoci (the archive as its one layer), for\n"
      "podman, Docker and Kubernetes; skopeo and 'umoci unpack' read it.");
  cmd->add_option("BASELINE", f->baseline, "Baseline file (YAML)")->required();
  cmd->add_option("--os", f->os, "The release whose check to export (bullseye, bookworm, trixie)")
      ->required()
      ->check(CLI::IsMember(known_releases()));
  cmd->add_option("--format", f->format, "dir, tar or oci")
      ->required()
      ->check(CLI::IsMember({"dir", "tar", "oci"}));
  cmd->add_option("-o,--output", f->out,
                  "Where to write: the directory (dir), the archive (tar), the OCI layout (oci); "
                  "must not exist, or be an empty directory")
      ->required();
  cmd->add_option("--tag", f->tag, "oci: the image's tag in the layout (default latest)");
  cmd->add_option("--record", f->record,
                  "The record of the passing check ('check --record-out'), instead of this "
                  "machine's records")
      ->check(CLI::ExistingFile);
  cmd->footer(
      "Example: bootstrap export baselines/dragoman.yaml --os bookworm --format oci -o dragoman\n"
      "         skopeo inspect oci:dragoman:latest");
  cmd->callback([&action, f] {
    action = [f](const GlobalOptions& global) { return export_command(*f, global); };
  });
}

}  // namespace bootstrap::cli
