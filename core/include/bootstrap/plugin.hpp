// The plugin API: the only bootstrap header a plugin includes.
//
// A plugin is a shared library exporting, through BOOTSTRAP_PLUGIN(...), a PluginInfo and
// a factory. The host loads it with Boost.DLL, checks the ABI number, then talks to it only
// through PluginPort, whose calls are noexcept: an exception thrown by plugin code is caught
// on the plugin's side of the boundary and comes back as a Failure naming the plugin.
#pragma once

#include <sys/types.h>

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bootstrap {

// Bump whenever anything in this header changes layout or meaning.
// 3: services(), required_plugins(), per_host_paths(), Command::timeout_seconds; activate()
// removed. 4: activate(Host&, const Activation&) for apply --for-real. 5: StepConfig::read_outside,
// PluginInfo::toolchain.
inline constexpr int kPluginAbi = 5;

// The C++ standard library a translation unit is built against, as far as the layout of what
// crosses the plugin boundary (std::string, std::vector, std::function, exceptions) depends on
// it: the host refuses a plugin whose tag differs from its own, naming both.
#if defined(_LIBCPP_VERSION)
#define BOOTSTRAP_STDLIB_TAG "libc++"
#elif defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI && defined(_GLIBCXX_DEBUG)
#define BOOTSTRAP_STDLIB_TAG "libstdc++ cxx11-abi debug-mode"
#elif defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI
#define BOOTSTRAP_STDLIB_TAG "libstdc++ cxx11-abi"
#elif defined(__GLIBCXX__)
#define BOOTSTRAP_STDLIB_TAG "libstdc++ old-abi"
#else
#define BOOTSTRAP_STDLIB_TAG "unknown standard library"
#endif
inline constexpr const char* kToolchainTag = BOOTSTRAP_STDLIB_TAG;

struct PluginInfo {
  int abi;  // first, and read first: nothing else is read from a plugin of another ABI
  const char* name;
  const char* version;
  const char* summary;
  const char* toolchain;  // kToolchainTag as the plugin was built
};

// ---------------------------------------------------------------------------------------
// Configuration: a YAML tree as typed values that remember where they came from.

struct SourceMark {
  std::string file;
  int line = 0;             // 1-based; 0 when unknown
  int column = 0;           // 1-based
  std::string str() const;  // "file:line:col"
};

// A configuration mistake; the message is shown as "file:line:col: message".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(SourceMark mark, const std::string& message);
  const SourceMark& mark() const { return mark_; }
  const std::string& bare_message() const { return bare_; }

 private:
  SourceMark mark_;
  std::string bare_;
};

class Value {
 public:
  enum class Kind { Null, Scalar, List, Map };
  using Entry = std::pair<std::string, Value>;

  Value() = default;
  static Value null(SourceMark mark);
  static Value scalar(std::string text, SourceMark mark, bool quoted = false);
  static Value list(std::vector<Value> items, SourceMark mark);
  static Value map(std::vector<Entry> entries, std::vector<SourceMark> key_marks, SourceMark mark);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_map() const { return kind_ == Kind::Map; }
  const SourceMark& mark() const { return mark_; }
  std::string_view kind_name() const;  // "a string", "a list", "a mapping", "nothing"

  // Typed reads; each throws ConfigError at this value's mark when the type is wrong.
  // `what` names the value in the message ("'mode'").
  const std::string& as_string(std::string_view what) const;
  bool as_bool(std::string_view what) const;
  std::int64_t as_int(std::string_view what) const;
  const std::vector<Value>& as_list(std::string_view what) const;
  std::vector<std::string> as_string_list(
      std::string_view what) const;  // a string or a list of them
  const std::vector<Entry>& as_map(std::string_view what) const;

  const std::string& text() const { return text_; }  // raw scalar text
  bool quoted() const { return quoted_; }
  const Value* find(std::string_view key) const;           // maps only; nullptr when absent
  const SourceMark& key_mark(std::string_view key) const;  // mark of the key itself

  ConfigError error(const std::string& message) const { return ConfigError(mark_, message); }

 private:
  Kind kind_ = Kind::Null;
  SourceMark mark_;
  std::string text_;
  bool quoted_ = false;
  std::vector<Value> items_;
  std::vector<Entry> entries_;
  std::vector<SourceMark> key_marks_;
};

// Reads the keys of one mapping and, at finish(), rejects every key nobody asked for,
// naming the nearest valid key. Keep one per mapping you read.
class Fields {
 public:
  Fields(const Value& map, std::string what);
  const Value* optional(std::string_view key);
  const Value& required(std::string_view key);
  void finish() const;  // unknown keys -> ConfigError("unknown key 'x' in ...; did you mean 'y'?")
  const Value& value() const { return map_; }

 private:
  const Value& map_;
  std::string what_;
  std::vector<std::string> known_;
};

// Shared validators for the things many plugins take.
// An absolute, normalised path without "." or ".." components or control characters.
std::string parse_absolute_path(const Value& v, std::string_view what);
// Where `text` first holds a control character (below 0x20, or DEL), or npos; and that
// character named for a message ("a newline at character 7"). Paths and names must not hold
// any: a newline in a path breaks every report format.
std::size_t first_control_character(std::string_view text);
std::string describe_control_character(std::string_view text, std::size_t at);
// An octal permission mode: "0755", "755", "2775" (up to 07777). Not "0799", not "rwx".
unsigned parse_mode(const Value& v, std::string_view what);
// The nearest of `candidates` to `word` by edit distance, or "" when none is close.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

// What configure() receives: the step's value plus where the baseline lives, so that a
// plugin can read files that stand next to it ("source: motd.txt").
struct StepConfig {
  Value config;
  std::string baseline_dir;
  int step_index = 0;  // 0-based position in the baseline's steps
  // Folders outside baseline_dir the baseline lets its steps read (its 'read_outside:' key),
  // absolute and resolved.
  std::vector<std::string> read_outside = {};
};

// A file or folder the step's config names (`source: motd.txt`), as a path on this machine:
// a relative path is next to the baseline; symlinks resolved, it must lie inside the baseline's
// folder or one of step.read_outside, so that a baseline from a pull request cannot carry this
// machine's files (/etc/shadow) into a target. Throws ConfigError at `v`: not found, not a file
// (or not a folder, with `folder`), or outside.
std::string baseline_file(const StepConfig& step, const Value& v, std::string_view what,
                          bool folder = false);
// The bytes of such a file, at most `limit` of them (ConfigError naming the limit otherwise).
std::string read_baseline_file(const StepConfig& step, const Value& v, std::string_view what,
                               std::size_t limit);

// ---------------------------------------------------------------------------------------
// What plugins report.

enum class ChangeKind { Created, Modified, Removed };

struct Change {
  ChangeKind kind = ChangeKind::Created;
  std::string what;    // "/srv/apps", "package python3", "group apps"
  std::string detail;  // "mode 0755 -> 2775", "" when nothing more to say
};
using Outcome = std::vector<Change>;

struct Check {
  std::string name;  // "python3 imports ssl"
  bool passed = false;
  std::string detail;     // what was found ("Python 3.11.2"), or why it failed
  bool headline = false;  // a fact worth a line in check's report ("Python 3.11.2")
};

// What a plugin needs downloaded before apply runs offline.
// A file downloaded in the fetch phase (by apt's own downloader, apt-helper download-file:
// http and https URLs, the machine's proxy settings; file:///absolute/path for a file on the
// machine running bootstrap). During apply it is at kFetchedFilesDir/<name>, the same for runs
// A and B.
struct FetchFile {
  std::string url;
  std::string sha256;  // expected digest, hex; may be empty only for file:// URLs
  std::string name;    // a plain file name: its name in kFetchedFilesDir
};
inline constexpr const char* kFetchedFilesDir = "/var/cache/bootstrap-fetched";
struct AptSource {
  std::string deb_line;  // "deb [signed-by=...] http://... bookworm main" (signed-by is rewritten)
  std::string key_file;  // absolute path on the machine running bootstrap
  std::string name;      // file name under /etc/apt/sources.list.d/ (without .list)
};
struct Fetch {
  std::vector<std::string> packages;   // Debian packages to download with their dependencies
  std::vector<AptSource> apt_sources;  // extra repositories those packages may come from
  std::vector<FetchFile> files;
  bool empty() const { return packages.empty() && apt_sources.empty() && files.empty(); }
};

// ---------------------------------------------------------------------------------------
// The host as a plugin sees it. Paths are absolute paths *in the target* ("/etc/pip.conf");
// the implementation resolves them inside the target root, so no symlink in the target can
// lead a write outside it. Every write goes through here so the for-real journal sees it.
// Failures throw std::system_error-derived errors naming the call and the path.

enum class FileType { Missing, Regular, Directory, Symlink, Other };

struct FileStat {
  FileType type = FileType::Missing;
  unsigned mode = 0;  // permission bits only (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  std::uint64_t size = 0;
};

// How long Host::run lets a command take unless the command says otherwise.
inline constexpr double kDefaultCommandTimeout = 30 * 60;

struct Command {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to the sandbox's clean environment
  std::string stdin_data;
  std::string cwd = "/";
  uid_t uid = 0;  // run as this user
  gid_t gid = 0;
  // Seconds before the command is killed (SIGTERM, then SIGKILL 2 s later) and run() throws
  // naming it; 0: kDefaultCommandTimeout.
  double timeout_seconds = 0;
};

struct CommandResult {
  int exit_status = 0;  // 0..255, or 128+signal
  std::string output;   // stdout and stderr, interleaved
  bool ok() const { return exit_status == 0; }
};

struct Account {
  std::string name;
  std::uint32_t id = 0;
  std::uint32_t gid = 0;             // users: primary group
  std::string home;                  // users only
  std::string shell;                 // users only
  std::vector<std::string> members;  // groups only
};

// The target's account files as text (read them through Host::read_file).
std::vector<Account> parse_passwd(std::string_view text);
std::vector<Account> parse_group(std::string_view text);
std::optional<Account> find_account(const std::vector<Account>& accounts, std::string_view name);
// The lowest id in [first, last] no account has, or nullopt.
std::optional<std::uint32_t> free_id(const std::vector<Account>& accounts, std::uint32_t first,
                                     std::uint32_t last);

enum class LogLevel { Debug, Info, Warning };

class Host {
 public:
  virtual ~Host() = default;

  virtual FileStat stat(const std::string& path) = 0;  // does not follow a final symlink
  virtual std::optional<std::string> read_file(const std::string& path) = 0;  // nullopt: missing
  virtual std::string read_link(const std::string& path) = 0;
  virtual std::vector<std::string> list_dir(const std::string& path) = 0;  // names, sorted

  // Atomic replace (write a temporary beside it, fsync, rename). Parents must exist.
  virtual void write_file(const std::string& path, std::string_view content, unsigned mode,
                          uid_t uid, gid_t gid) = 0;
  virtual void make_dir(const std::string& path, unsigned mode, uid_t uid, gid_t gid) = 0;
  virtual void make_symlink(const std::string& path, const std::string& target) = 0;
  virtual void set_owner(const std::string& path, uid_t uid, gid_t gid) = 0;  // no follow
  virtual void set_mode(const std::string& path, unsigned mode) = 0;
  virtual void remove(const std::string& path) = 0;  // a file, a link, or a whole tree

  // Accounts as the *target* knows them (its /etc/passwd and /etc/group).
  virtual std::optional<Account> user(const std::string& name) = 0;
  virtual std::optional<Account> group(const std::string& name) = 0;

  // Runs a command inside the target (its root, its environment) and returns once the
  // command itself has exited: a daemon it started that still holds the output open does not
  // keep run() waiting (what it writes later is not in the output). Never throws for a
  // non-zero exit: check the result. Throws when the command cannot be started, or when it
  // outlives its timeout (it is killed first).
  virtual CommandResult run(const Command& command) = 0;

  // Debian packages: which of `names` are installed, and install the missing ones
  // (offline, from what the fetch phase downloaded, when the sandbox prepared that).
  virtual std::vector<std::string> missing_packages(const std::vector<std::string>& names) = 0;
  virtual void install_packages(const std::vector<std::string>& names, bool recommends) = 0;

  virtual void log(LogLevel level, std::string_view message) = 0;
};

// ---------------------------------------------------------------------------------------
// Processes and services: what runs where, and what survives.
//
//   configure(), fetch(), services(), required_plugins()
//       run once, in the engine's process, before any sandbox exists. Pure: no Host.
//   apply(host)
//       runs in a sandbox's main process over the target's tree (for apply --root: in the
//       engine's process, against the directory). Host::run's commands are its children.
//       When apply returns, the engine ends every process the step left running (a daemon a
//       package's postinst started, a server a command forked off): SIGTERM, then SIGKILL
//       after 2 s. It says so in the report ("left 1 process running after apply (svscan,
//       pid 14); it was stopped"). Runs A and B therefore see the same thing: nothing but
//       files survives from one step's apply to the next step, or to the checks.
//   services()
//       the long-running processes the host's init would run for this step (svscan for
//       daemontools, sshd, an agent). Checks start them; apply never does.
//   verify(host)
//       runs in a fresh sandbox over the applied tree, with its own disposable upper layer:
//       files written by checks are thrown away. Before the first step's verify the engine
//       starts the services of every step, in step order, and waits for each to be ready; a
//       service that is not ready in time fails that step's checks with its argv, the probe,
//       the time waited and the tail of its output (the step's verify is then not called).
//       After the last check the engine stops them all (SIGTERM to each service's process
//       group, then every process left, SIGKILL after 2 s).
//   activate(host, how)
//       apply --for-real only, once the commit is done, each step in order: hand the step's
//       services to the host's init and reload what must be reloaded. On the running host
//       (how.live) in the engine's process, over "/". For a directory standing for a host
//       (--root DIR) in a sandbox over DIR whose writes are thrown away: do only what works
//       offline (a configuration test such as `sshd -t`) and name what was not started.
//       Enabling a unit belongs in apply (a package's postinst does it there), so that it is
//       part of the change set, journaled and rolled back with it.

// How the engine knows a service is ready for checks.
struct ReadinessProbe {
  enum class Kind { Running, TcpPort, UnixSocket, FileExists, CommandSucceeds };
  Kind kind = Kind::Running;      // Running: ready as soon as it runs (and still runs 0.1 s later)
  int port = 0;                   // TcpPort: 127.0.0.1:port accepts a connection
  std::string path;               // UnixSocket: accepts a connection; FileExists: exists
  std::vector<std::string> argv;  // CommandSucceeds: exits 0 (run as root, cwd /)

  static ReadinessProbe running() { return {}; }
  static ReadinessProbe tcp_port(int p) { return {Kind::TcpPort, p, {}, {}}; }
  static ReadinessProbe unix_socket(std::string p) {
    return {Kind::UnixSocket, 0, std::move(p), {}};
  }
  static ReadinessProbe file_exists(std::string p) {
    return {Kind::FileExists, 0, std::move(p), {}};
  }
  static ReadinessProbe command_succeeds(std::vector<std::string> a) {
    return {Kind::CommandSucceeds, 0, {}, std::move(a)};
  }
  std::string describe() const;  // "127.0.0.1:8080 accepts", "`svok /etc/service/x` exits 0"
};

struct Service {
  std::string name;  // "svscan": names it in reports; unique within the step
  Command command;   // runs in the foreground (it must not daemonize); its output is kept
  ReadinessProbe ready;
  double timeout_seconds = 10;  // from start until ready
};

// What activate() is told.
struct Activation {
  bool live = false;     // the target is the running host; false: a directory standing for one
  bool systemd = false;  // live, and the host runs systemd (/run/systemd/system exists)
  std::vector<std::string> changed;  // the paths this step wrote that the commit changed
};

// What activate() did: each a line for the operator.
struct Activated {
  std::vector<std::string> done;         // "ssh.service reloaded (sshd -t passed)"
  std::vector<std::string> not_started;  // "svscan: started by daemontools-run.service at boot"
};

// ---------------------------------------------------------------------------------------
// What a plugin implements. Throw ConfigError from configure() for a bad config, anything
// derived from std::exception elsewhere; the port turns it into a Failure.

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual void configure(const StepConfig& step) = 0;
  virtual Fetch fetch() const { return {}; }
  // Converge, appending each change to `out` as it is made (so a failure part-way still
  // reports what was done). Nothing appended means the host already had it.
  virtual void apply(Host& host, Outcome& out) = 0;
  virtual std::vector<Check> verify(Host& host) = 0;
  // The services checks need (see "Processes and services" above); called after configure().
  virtual std::vector<Service> services() const { return {}; }
  // Plugins whose steps must come earlier in the baseline ("daemontools" for a plugin whose
  // service runs under svscan); validate fails at this step's mark otherwise.
  virtual std::vector<std::string> required_plugins() const { return {}; }
  // Paths (globs, as in a baseline's 'ignore:') that are a host's identity and so differ on
  // every host and in every run: SSH host keys made when openssh-server is installed. check
  // does not compare them between runs and lists them as "per host" in --show-changes.
  virtual std::vector<std::string> per_host_paths() const { return {}; }
  // apply --for-real, after the commit (see "Processes and services" above). Throw when what
  // the host should now run cannot be started or reloaded: the operator is told, with the way
  // back (bootstrap rollback). Nothing to activate: the default.
  virtual Activated activate(Host& host, const Activation& how) {
    (void)host;
    (void)how;
    return {};
  }
};

// ---------------------------------------------------------------------------------------
// The boundary. Nothing below throws.

struct Failure {
  std::string message;
  std::optional<SourceMark> mark;  // set for configuration errors
};
using Status = std::optional<Failure>;  // nullopt: success

class PluginPort {
 public:
  virtual ~PluginPort() = default;
  virtual Status configure(const StepConfig& step) noexcept = 0;
  virtual Status fetch(Fetch& out) noexcept = 0;
  virtual Status apply(Host& host, Outcome& out) noexcept = 0;
  virtual Status verify(Host& host, std::vector<Check>& out) noexcept = 0;
  virtual Status services(std::vector<Service>& out) noexcept = 0;
  virtual Status required_plugins(std::vector<std::string>& out) noexcept = 0;
  virtual Status per_host_paths(std::vector<std::string>& out) noexcept = 0;
  virtual Status activate(Host& host, const Activation& how, Activated& out) noexcept = 0;
};

namespace detail {

template <class Fn>
Status guarded(Fn&& fn) noexcept {
  try {
    fn();
    return std::nullopt;
  } catch (const ConfigError& e) {
    return Failure{e.bare_message(), e.mark()};
  } catch (const std::exception& e) {
    return Failure{e.what(), std::nullopt};
  } catch (...) {
    return Failure{"unknown exception", std::nullopt};
  }
}

template <class P>
class Port final : public PluginPort {
 public:
  Status configure(const StepConfig& step) noexcept override {
    return guarded([&] { impl_.configure(step); });
  }
  Status fetch(Fetch& out) noexcept override {
    return guarded([&] { out = impl_.fetch(); });
  }
  Status apply(Host& host, Outcome& out) noexcept override {
    return guarded([&] { impl_.apply(host, out); });
  }
  Status verify(Host& host, std::vector<Check>& out) noexcept override {
    return guarded([&] { out = impl_.verify(host); });
  }
  Status services(std::vector<Service>& out) noexcept override {
    return guarded([&] { out = impl_.services(); });
  }
  Status required_plugins(std::vector<std::string>& out) noexcept override {
    return guarded([&] { out = impl_.required_plugins(); });
  }
  Status per_host_paths(std::vector<std::string>& out) noexcept override {
    return guarded([&] { out = impl_.per_host_paths(); });
  }
  Status activate(Host& host, const Activation& how, Activated& out) noexcept override {
    return guarded([&] { out = impl_.activate(host, how); });
  }

 private:
  P impl_;
};

}  // namespace detail

using PluginFactory = PluginPort*();  // the host owns the returned object

}  // namespace bootstrap

// Exports a plugin: its info and a factory, as Boost.DLL aliases the loader looks up.
#define BOOTSTRAP_PLUGIN_WITH_TAG(Class, name, version, summary, abi, toolchain)             \
  namespace bootstrap_plugin_export {                                                        \
  const ::bootstrap::PluginInfo bootstrap_info_v = {abi, name, version, summary, toolchain}; \
  ::bootstrap::PluginPort* bootstrap_create() noexcept {                                     \
    try {                                                                                    \
      return new ::bootstrap::detail::Port<Class>();                                         \
    } catch (...) {                                                                          \
      return nullptr;                                                                        \
    }                                                                                        \
  }                                                                                          \
  }                                                                                          \
  BOOST_DLL_ALIAS(bootstrap_plugin_export::bootstrap_info_v, bootstrap_plugin_info)          \
  BOOST_DLL_ALIAS(bootstrap_plugin_export::bootstrap_create, bootstrap_plugin_create)

#define BOOTSTRAP_PLUGIN_WITH_ABI(Class, name, version, summary, abi) \
  BOOTSTRAP_PLUGIN_WITH_TAG(Class, name, version, summary, abi, ::bootstrap::kToolchainTag)

#define BOOTSTRAP_PLUGIN(Class, name, version, summary) \
  BOOTSTRAP_PLUGIN_WITH_ABI(Class, name, version, summary, ::bootstrap::kPluginAbi)
