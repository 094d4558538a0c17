// Directory trees as the sandboxes leave them: overlay upper layers with whiteouts (char 0/0),
// opaque directories (trusted.overlay.opaque), root-owned mode-000 work dirs.
#pragma once

#include <cstdint>
#include <filesystem>

namespace bootstrap::sandbox {

// rm -rf that never follows a symlink and never crosses into another filesystem (a mount
// left inside would make it throw instead of emptying the host's /dev). Missing is fine.
void remove_tree(const std::filesystem::path& path);
void remove_tree_at(int parent_fd, const char* name);

// cp -a of a layer: owners, modes, times, hard links, device nodes, whiteouts, xattrs
// (overlay's bookkeeping xattrs except "opaque" are left out). `dst_dir` exists and is empty.
void copy_tree(int src_dir_fd, int dst_dir_fd);
void copy_tree(const std::filesystem::path& src, const std::filesystem::path& dst);

// du --apparent-size of the regular files below `dir` (symlinks not followed, unreadable
// folders skipped; 0 when `dir` is missing).
std::uint64_t tree_bytes(const std::filesystem::path& dir);

// Moves `src` (a directory) to `dst` (missing or an empty directory): rename when both are on
// one filesystem, copy_tree + remove_tree otherwise.
void move_tree(const std::filesystem::path& src, const std::filesystem::path& dst);

}  // namespace bootstrap::sandbox
