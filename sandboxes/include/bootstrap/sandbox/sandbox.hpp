// A disposable root: new mount/pid/uts/ipc/net namespaces, an overlayfs whose upper layer
// collects every change, pivot_root, a reaper as pid 1, hardening, seccomp last.
// Nothing here knows about baselines or plugins.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bootstrap::sandbox {

class PrivateNetwork;

struct Bind {
  std::filesystem::path source;  // on the machine
  std::string target;            // absolute path inside the sandbox, created if missing
  bool read_only = true;
};

// A filesystem of its own inside the image (a host's /srv or /var, see mount_table.hpp):
// overlayfs does not look through a mount point in a lower layer, so it gets an overlay of its
// own at `path`, whose lowers are each of Spec::lowers at `path` where a lower has that
// directory (the image's is the mounted filesystem), and whose upper is its own.
struct Submount {
  std::string path;  // "/srv", inside the sandbox; parents before children
  // Where its changes go: empty, a tmpfs; otherwise as Spec::upper and Spec::work. The upper
  // is given the owner and mode the image's directory has (the overlay's root shows them).
  std::filesystem::path upper;
  std::filesystem::path work;
};

struct Spec {
  // Read-only layers, top-most first; the last one is the image root ("/" for the host image).
  std::vector<std::filesystem::path> lowers;
  // Where changes go. Empty: a tmpfs upper that vanishes with the sandbox. Otherwise both
  // must exist, be empty, and live on one filesystem.
  std::filesystem::path upper;
  std::filesystem::path work;
  std::vector<Submount> submounts;
  std::vector<Bind> binds;
  std::string hostname = "bootstrap";
  bool share_network = false;  // true: the machine's network (fetch phase); false: loopback only
  // The private network, started early by the caller (PrivateNetwork::start()) so that it is
  // ready sooner; empty: start() makes one. Ignored with share_network.
  std::shared_ptr<PrivateNetwork> network;
  std::vector<std::string> env;  // "KEY=VALUE", added to the clean environment
  std::string cwd = "/";
  int pids_limit = 4096;
  bool interactive = false;  // keep the caller's terminal as stdin/stdout/stderr
  // true: no PR_SET_NO_NEW_PRIVS, so setuid programs (sudo, for a login check) take their
  // owner's ids. They gain nothing root inside lacks: the same cut bounding set and the same
  // seccomp filter (loaded first, while the process may still load it without no-new-privs).
  // For checks only; apply and fetch always run with no-new-privs.
  bool setuid_programs = false;
  // Directories inside the sandbox hidden under an empty read-only tmpfs (e.g. the cache root
  // when the host is the image: other sandboxes' layers are none of this one's business).
  std::vector<std::string> masked;
};

struct Result {
  int status = 0;                // like a shell: 0..255 exit code, 128+N for signal N
  int signal = 0;                // the signal that killed the main process, 0 when it exited
  std::string data;              // everything the body wrote to its result descriptor
  std::string describe() const;  // "exited with status 3", "killed by SIGSEGV"
};

// How wait() ends. Wait: once pid 1 is reaped, so the kernel has also unmounted everything the
// sandbox mounted. InBackground (bubblewrap's way): once every process of the sandbox is gone
// but pid 1, whose exit the kernel is still completing; the mounts it tears down are in a
// mount namespace nothing else can see. For a command, pid 1 shares this process's memory and
// waits for this process to exit (at most 50 ms) before it ends, so that the exit does not tear
// that memory down on the way out. pid 1 stays unreaped (a zombie for a moment), and its stack
// (256 kB of address space) mapped, until this process exits, so it suits a process that is
// about to: `bootstrap run`. A sandbox with a persistent upper layer is always waited for, since
// the upper is scrubbed afterwards.
enum class Teardown { Wait, InBackground };

class Sandbox {
 public:
  // Runs `body` as the sandbox's main process (under a reaper pid 1) once setup and
  // hardening are done; its return value is the exit status. `result_fd` is a pipe to the
  // parent. Throws SystemError when the sandbox cannot be created.
  static Sandbox start(const Spec& spec, std::function<int(int result_fd)> body);
  // Same, executing argv (PATH looked up inside the sandbox).
  static Sandbox start(const Spec& spec, const std::vector<std::string>& argv);

  Sandbox(Sandbox&&) noexcept;
  Sandbox& operator=(Sandbox&&) noexcept;
  ~Sandbox();  // kills the whole tree and waits, if still running (and not left to the kernel)

  pid_t pid() const;
  int result_fd() const;  // readable end, for poll(); wait() drains it
  // Blocks until the main process and everything it started are gone; see Teardown.
  Result wait(Teardown teardown = Teardown::Wait);

 private:
  Sandbox() = default;
  struct State;
  std::unique_ptr<State> state_;
};

// Why this machine cannot run sandboxes, or "" when it can (root or user namespaces,
// overlayfs, seccomp). Used for exit status 3.
std::string why_sandboxes_cannot_run();

}  // namespace bootstrap::sandbox
