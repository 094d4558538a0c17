// The file operations a commit and its rollback are made of, each on a name in an opened
// directory (never following a symlink). Internal to core.
#pragma once

#include <string>

#include "bootstrap/manifest.hpp"

namespace bootstrap::tree_ops {

// A new `after` (file, symlink, fifo, socket or device) named `name` in `dir`, made from the
// change set's copy at `source` (files: its content); owner, mode (set-id bits after the owner),
// xattrs and mtime as in `after`.
void make_node(int dir, const std::string& name, const ManifestEntry& after,
               const std::string& source);
// A new directory with `after`'s owner, mode and xattrs.
void make_dir(int dir, const std::string& name, const ManifestEntry& after);
// An existing directory given `after`'s owner, mode and xattrs (xattrs it should not have removed).
void retag_dir(int dir, const std::string& name, const ManifestEntry& after);

// Saves the inode at dir/name as backup_dir/backup: a hard link when both are on one filesystem,
// else a copy (made under a temporary name, then renamed: the backup exists only when whole).
void save_link(int dir, const std::string& name, int backup_dir, const std::string& backup);
// Moves dir/name (a whole tree) to backup_dir/backup: rename on one filesystem, else copy then
// remove.
void move_away(int dir, const std::string& name, int backup_dir, const std::string& backup);
// Puts backup_dir/backup back at dir/name, replacing what is there (which is removed first
// when it is a directory or when the backup is a copy).
void put_back(int backup_dir, const std::string& backup, int dir, const std::string& name);

// Copies dir/name (a whole tree) to to_dir/to, keeping owners, modes, xattrs and devices.
void copy_node(int from_dir, const std::string& from, int to_dir, const std::string& to);

bool exists(int dir, const std::string& name);
// Removes dir/name when it exists: a file, a link, or a whole tree.
void remove_any(int dir, const std::string& name);
// rename within one directory tree, never replacing (RENAME_NOREPLACE) unless `replace`.
void rename_to(int from_dir, const std::string& from, int to_dir, const std::string& to,
               bool replace);

}  // namespace bootstrap::tree_ops
