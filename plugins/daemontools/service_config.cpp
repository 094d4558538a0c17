#include "service_config.hpp"

#include <set>

#include "names.hpp"

namespace daemontools {
using bootstrap::Fields;
using bootstrap::Value;

namespace {

bool service_name_ok(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(n.front())) return false;
  for (char c : n)
    if (!lower_digit(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

bool env_name_ok(const std::string& n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n.front()))) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::vector<std::string> parse_run(const Value& v) {
  std::vector<std::string> run;
  for (const Value& a : v.as_list("'run'")) {
    const std::string& s = a.as_string("an argument of 'run'");
    if (s.find('\0') != std::string::npos || s.find('\n') != std::string::npos)
      throw a.error("an argument of 'run' may not hold a newline");
    run.push_back(s);
  }
  if (run.empty()) throw v.error("'run' needs at least the program: [/absolute/program, args...]");
  if (run.front().empty() || run.front().front() != '/')
    throw v.as_list("'run'").front().error("'run' starts with the program's absolute path, not '" +
                                           run.front() +
                                           "' (supervise runs it without a PATH search of yours)");
  return run;
}

std::map<std::string, std::string> parse_env(const Value& v) {
  std::map<std::string, std::string> env;
  const auto& entries = v.as_map("'env'");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, value] = entries[i];
    if (!env_name_ok(key))
      throw bootstrap::ConfigError(
          v.key_mark(key),
          "'" + key + "' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    std::string text = value.is_null() ? "" : value.as_string("'" + key + "'");
    if (text.find('\n') != std::string::npos || text.find('\0') != std::string::npos)
      throw value.error("an env value may not hold a newline (envdir reads the first line)");
    env[key] = text;
  }
  return env;
}

ServiceSpec parse_service(const Value& v) {
  Fields f(v, "a service");
  ServiceSpec s;
  s.mark = v.mark();
  const Value& name = f.required("name");
  s.name = name.as_string("'name'");
  if (!service_name_ok(s.name))
    throw name.error(
        "'" + s.name +
        "' is not a service name: a directory name of [a-z0-9][a-z0-9._-]*, at most 64");
  s.home = service_home(s.name);
  s.run = parse_run(f.required("run"));
  if (const Value* u = f.optional("user")) {
    s.user = u->as_string("'user'");
    s.user_mark = u->mark();
    if (!pluginkit::user_name_ok(s.user))
      throw u->error("'user' is not a user name: '" + s.user + "'");
  }
  if (const Value* d = f.optional("directory"))
    s.directory = bootstrap::parse_absolute_path(*d, "'directory'");
  if (const Value* e = f.optional("env")) s.env = parse_env(*e);
  if (const Value* l = f.optional("log")) s.log = l->as_bool("'log'");
  if (const Value* d = f.optional("down")) s.down = d->as_bool("'down'");
  f.finish();
  return s;
}

}  // namespace

DaemontoolsConfig parse_daemontools(const bootstrap::StepConfig& step) {
  DaemontoolsConfig out;
  const Value& root = step.config;
  if (root.is_null()) return out;  // "- daemontools:" alone: the supervisor, no service of its own
  Fields f(root, "daemontools");
  pyplug::PackageSource source =
      pyplug::parse_package_source(f, root, step, "Debian's daemontools and daemontools-run",
                                   "the package that brings svscan and supervise");
  if (source.repo) {
    out.repo = source.repo;
    out.packages = {source.package};
  }
  if (const Value* v = f.optional("service_dir"))
    out.service_dir = bootstrap::parse_absolute_path(*v, "'service_dir'");
  if (const Value* v = f.optional("log_user")) {
    out.log_user = v->as_string("'log_user'");
    if (!pluginkit::user_name_ok(out.log_user))
      throw v->error("'log_user' is not a user name: '" + out.log_user + "'");
  }
  std::set<std::string> names;
  if (const Value* v = f.optional("services")) {
    for (const Value& item : v->as_list("'services'")) {
      ServiceSpec s = parse_service(item);
      if (!names.insert(s.name).second)
        throw item.find("name")->error("two services are named '" + s.name +
                                       "'; service names are directory names and must differ");
      out.services.push_back(std::move(s));
    }
  }
  f.finish();
  return out;
}

}  // namespace daemontools
