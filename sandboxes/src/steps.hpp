// The steps a sandbox is made of, one concern per file (see sandbox.cpp for their order).
// Functions named *_in_child run inside the new namespaces, before or after pivot_root;
// the others run in the parent. All throw SystemError naming the failing call.
#pragma once

#include <linux/filter.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {

struct Submount;

// --- resolve.cpp: paths inside a root never leave it --------------------------------------
// openat2(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): absolute symlinks and
// ".." planted in a layer stay inside `root`.
UniqueFd open_in_root(int root, const std::string& path, int flags, mode_t mode = 0);
// Like open_in_root, but no symlink at all may appear on the way (RESOLVE_NO_SYMLINKS|BENEATH).
UniqueFd open_beneath(int dir, const std::string& path, int flags);
// mkdir -p inside `root`, each component resolved inside it; returns an O_PATH fd of the last.
UniqueFd make_dirs_in_root(int root, const std::string& path, mode_t mode);
// The target of a mount inside `root` (a directory, or a file when `file`), created if missing.
UniqueFd mount_target_in_root(int root, const std::string& path, bool file);
// The directories every sandbox mounts on (/dev, /proc, /sys, /tmp, /run): no symlink allowed
// on the way (a layer could otherwise point /run at /etc and have it hidden).
UniqueFd fixed_mount_point_in_root(int root, const std::string& path);
// "/proc/self/fd/N": how mount(2) is pointed at a path that was resolved safely.
std::string fd_path(int fd);

// --- mounts.cpp ---------------------------------------------------------------------------
void make_root_private_in_child();
void mount_at(const char* source, int target_fd, const char* fstype, unsigned long flags,
              const std::string& data, const std::string& what);
void bind_at(int source_fd, int target_fd, bool read_only, const std::string& what);
void remount_read_only(int target_fd, unsigned long keep_flags, const std::string& what);

// --- overlay.cpp ----------------------------------------------------------------------------
// For each lower: does it contain another layer (a lower, the upper or the work dir, -1 for
// none) on the same filesystem? overlayfs refuses such "overlapping layers" (the host image's
// lower is "/", which holds the cache), so those lowers are seen through an inner overlay.
std::vector<bool> lowers_containing_layers(const std::vector<int>& lower_fds, int upper_fd,
                                           int work_fd);
struct SandboxFile {
  std::string path;  // inside the root, relative: "etc/resolv.conf"
  std::string content;
  mode_t mode;
};
// The files every sandbox gets (resolv.conf, hostname, policy-rc.d), for the parent to prepare.
std::vector<SandboxFile> sandbox_files(const std::string& hostname);
// Writes `files` into `layer` (a fresh dir), giving each parent dir the owner and mode it has in
// the lowers (so a copy-up of /etc carries the image's metadata); a file whose parent is not a
// plain directory in the lowers is left out.
void make_sandbox_layer_in_child(int layer, const std::vector<int>& lower_fds,
                                 const std::vector<SandboxFile>& files);
void mount_overlay_in_child(const std::string& target, const std::vector<std::string>& lowers,
                            const std::string& upper, const std::string& work);
// The staging tmpfs every sandbox mounts in its own mount namespace, and works in.
inline constexpr const char* kStagingDir = "/tmp";

// --- host_root.cpp ----------------------------------------------------------------------------
// Rootless, the host image: the host's / bound read-only (recursively) at the path `mountpoint`,
// with the sandbox files from `files_dir` bound over the host's.
void bind_host_root_in_child(const std::string& mountpoint, int files_dir,
                             const std::vector<SandboxFile>& files);
// A lower that contains another layer, seen through a read-only overlay of its own at
// staging/`name` (on another superblock, it no longer contains anything); returns its path.
std::string wrapped_lower_in_child(int stage, const std::string& name, int lower_fd);
// Submount `index` (Spec::submounts) as an overlay at its path inside `root`, after the root's.
void mount_submount_in_child(int root, int stage, std::size_t index,
                             const std::vector<int>& lower_fds, const Submount& m);
// After the run: the sandbox files never belong to a result; removes them (and parent dirs that
// were only copied up for them) from a persistent upper, never following a symlink.
void scrub_upper(int upper, const std::vector<int>& lower_fds,
                 const std::vector<SandboxFile>& files);

// --- dev.cpp, proc.cpp ---------------------------------------------------------------------
void mount_dev_in_child(int root);
void mount_proc_in_child(int root, int pids_limit);
void mount_sys_in_child(int root, bool own_network);
void mount_tmpfs_dirs_in_child(int root);

// --- pivot.cpp ------------------------------------------------------------------------------
void pivot_into_in_child(int root);

// --- network.cpp ------------------------------------------------------------------------------
// pid 1: waits for the namespace a PrivateNetwork sends to `end`; throws what went wrong there.
UniqueFd receive_network_namespace_in_child(int end);
void enter_network_namespace_in_child(int ns);

// --- caps.cpp -------------------------------------------------------------------------------
// Bounding, permitted, effective and inheritable sets cut to Docker's default set; ambient cleared.
void drop_capabilities_in_child();
void keep_only_kill_capability_in_child();

// --- seccomp.cpp ------------------------------------------------------------------------------
// The filter, as the build compiled it (seccomp_rules.cpp), and loading it.
std::span<const sock_filter> seccomp_program();
void load_seccomp_in_child();

// --- pids.cpp -------------------------------------------------------------------------------
// True when this kernel keeps pid_max per pid namespace (Linux >= 6.14).
bool kernel_has_per_namespace_pid_max();

// --- tree.cpp (public in tree.hpp) ------------------------------------------------------------

}  // namespace bootstrap::sandbox

namespace bootstrap::sandbox {

// --- messages.cpp: the status pipe from the sandbox to the parent ---------------------------
// Records: 'R' ready (the main process runs the body, or has executed the command), 'E' setup
// failed (value = errno, text = the call), 'X' the main process ended and nothing else is left
// (value = its wait status).
struct Record {
  char type = 0;
  int value = 0;
  std::string text;
};
// One write(2), no allocation, errno untouched: pid 1 sends 'R' and 'X' while the caller runs.
void send_record(int fd, char type, int value, std::string_view text = {});
// Reads one record; false at end of file.
bool read_record(int fd, Record& out);

// --- reaper.cpp -------------------------------------------------------------------------------
// pid 1: reaps every orphan until `main` exits, kills and reaps what is left, reports main's
// status ('X'), then exits with it; with `linger`, only after the caller has exited (at most
// 50 ms later).
[[noreturn]] void reap_in_child(pid_t main, int status_fd, bool linger);

}  // namespace bootstrap::sandbox
