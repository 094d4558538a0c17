#include "service_writer.hpp"

#include "converge.hpp"
#include "host_tools.hpp"
#include "service_files.hpp"

namespace daemontools {
using namespace bootstrap;
using namespace pluginkit;

namespace {

Owner owner_of(Host& host, const std::string& user, const std::string& group) {
  Owner o;
  if (auto u = host.user(user)) o = {u->id, u->gid};
  if (auto g = host.group(group)) o.gid = g->id;
  return o;
}

void write_env(Host& host, const ServiceSpec& s, Outcome& out) {
  std::string dir = s.home + "/env";
  if (s.env.empty()) {
    ensure_absent(host, dir, "no 'env' any more", out);
    return;
  }
  ensure_dir(host, dir, 0755, {}, out);
  for (const auto& name : host.list_dir(dir))
    if (!s.env.count(name)) ensure_absent(host, dir + "/" + name, "no longer in 'env'", out);
  for (const auto& [k, v] : s.env) ensure_file(host, dir + "/" + k, env_file(v), 0644, {}, out);
}

void write_log_service(Host& host, const ServiceSpec& s, const std::string& log_user,
                       Outcome& out) {
  std::string state = std::string(kSuperviseRoot) + "/" + s.name + ".log";
  ensure_dir(host, s.home + "/log", 0755, {}, out);
  ensure_file(host, s.home + "/log/run", log_run_script(s, log_user), 0755, {}, out);
  ensure_dir(host, state, 0700, {}, out);
  ensure_link(host, s.home + "/log/supervise", state, out);
  ensure_dir(host, std::string(kLogRoot) + "/" + s.name, 02750, owner_of(host, log_user, "adm"),
             out);
}

}  // namespace

void ensure_log_user(Host& host, const std::string& log_user, Outcome& out) {
  if (host.user(log_user)) return;
  pyplug::run_checked(host, {"useradd", "--system", "--user-group", "--no-create-home",
                             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                             "--comment", "daemontools logs (multilog)", log_user});
  out.push_back(
      {ChangeKind::Created, "user " + log_user, "owns " + std::string(kLogRoot) + "/<service>"});
}

void ensure_service_roots(Host& host, bool logs, Outcome& out) {
  ensure_dir(host, kServicesRoot, 0755, {}, out);
  ensure_dir(host, kSuperviseRoot, 0755, {}, out);
  if (logs) ensure_dir(host, kLogRoot, 0755, {}, out);
}

void write_service(Host& host, const ServiceSpec& s, const std::string& log_user, Outcome& out) {
  std::string state = std::string(kSuperviseRoot) + "/" + s.name;
  ensure_dir(host, s.home, 0755, {}, out);
  ensure_file(host, s.home + "/run", run_script(s), 0755, {}, out);
  write_env(host, s, out);
  if (s.down)
    ensure_file(host, s.home + "/down", "", 0644, {}, out);
  else
    ensure_absent(host, s.home + "/down", "the service is no longer 'down'", out);
  ensure_dir(host, state, 0700, {}, out);
  ensure_link(host, s.home + "/supervise", state, out);
  if (s.log)
    write_log_service(host, s, log_user, out);
  else
    ensure_absent(host, s.home + "/log", "'log: false'", out);
}

void enable_service(Host& host, const std::string& service_dir, const ServiceSpec& s,
                    Outcome& out) {
  if (host.stat(service_dir).type == FileType::Missing)
    ensure_dir(host, service_dir, 0755, {}, out);
  ensure_link(host, service_dir + "/" + s.name, s.home, out);
}

}  // namespace daemontools
