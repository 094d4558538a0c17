#include "eggmonster_config.hpp"

#include <algorithm>
#include <cctype>

#include "names.hpp"

namespace eggmonster {
using bootstrap::Fields;
using bootstrap::Value;

namespace {

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

std::string strip_scheme(const Value& v, const std::string& url) {
  for (const char* scheme : {"http://", "https://"})
    if (url.rfind(scheme, 0) == 0) return url.substr(std::string(scheme).size());
  throw v.error(
      "'master' is the master's http:// URL with its port "
      "(http://eggmaster.example.org:8000), not '" +
      url + "'");
}

// "host:port" or "[v6]:port" -> host and the port text ("" when none).
std::pair<std::string, std::string> split_authority(const Value& v, const std::string& auth) {
  if (auth.find('@') != std::string::npos)
    throw v.error(
        "'master' may not carry a user or password: the agent's environment is "
        "readable by every process of the service");
  if (!auth.empty() && auth.front() == '[') {
    auto close = auth.find(']');
    if (close == std::string::npos) throw v.error("'master' has an unclosed '[' in its host");
    std::string rest = auth.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') throw v.error("'master' has junk after its [host]");
    return {auth.substr(1, close - 1), rest.empty() ? "" : rest.substr(1)};
  }
  auto colon = auth.rfind(':');
  if (colon == std::string::npos) return {auth, ""};
  return {auth.substr(0, colon), auth.substr(colon + 1)};
}

int parse_port(const Value& v, const std::string& text, const std::string& url) {
  if (text.empty())
    throw v.error("'master' " + url +
                  " has no port: the agent would use the scheme's (80 for "
                  "control, 81 to launch), and a master listens on 8000 and 8001 unless told "
                  "otherwise; write the port (http://eggmaster.example.org:8000)");
  if (text.size() > 5 || !std::all_of(text.begin(), text.end(), ::isdigit))
    throw v.error("'master' port '" + text + "' is not a number");
  int port = std::stoi(text);
  if (port < 1 || port > 65533)
    throw v.error("'master' port " + text +
                  " is out of range: the agent uses it, +1 to "
                  "launch and +2 for emi, so it is 1 to 65533");
  return port;
}

std::string parse_url(const Value& v, std::string_view what) {
  std::string u = v.as_string(what);
  bool scheme = u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
  if (!scheme || u.size() <= 8 || u.find_first_of(" \t\r\n") != std::string::npos)
    throw v.error(std::string(what) + " must be an http:// or https:// URL, not '" + u + "'");
  return u;
}

std::string parse_host_id(const Value& v) {
  std::string id = v.as_string("'host_id'");
  if (id == kHostnameId) return "";
  bool ok = !id.empty() && id.size() <= 253 && std::isalnum(static_cast<unsigned char>(id[0])) &&
            std::all_of(id.begin(), id.end(), [](char c) { return host_char(c) || c == '_'; });
  if (!ok)
    throw v.error(
        "'host_id' is 'hostname' (the node's name) or a host id of [A-Za-z0-9._-], "
        "not '" +
        id + "'");
  return id;
}

std::string parse_user(const Value& v, std::string_view what) {
  std::string u = v.as_string(what);
  if (!pluginkit::user_name_ok(u))
    throw v.error(std::string(what) + " is not a user name: '" + u + "'");
  return u;
}

void parse_venv(Fields& f, const bootstrap::StepConfig& step, EggmonsterConfig& c) {
  const Value& package = f.required("package");
  c.package = pyplug::parse_requirement(package);
  c.venv.path = "/opt/eggmonster";
  if (const Value* v = f.optional("venv")) {
    c.venv.path = bootstrap::parse_absolute_path(*v, "'venv'");
    if (c.venv.path == "/") throw v->error("the agent's venv cannot be '/'");
  }
  c.python_mark = c.mark;
  if (const Value* v = f.optional("python")) {
    c.venv.python = bootstrap::parse_absolute_path(*v, "'python'");
    c.python_mark = v->mark();
  }
  c.venv.packages = {c.package};
  if (const Value* v = f.optional("find_links")) {
    c.venv.find_links_dir = v->as_string("'find_links'");
    c.venv.find_links = pyplug::read_find_links(*v, step);
  }
  c.venv.index_url = c.cheeseshop;
}

}  // namespace

bool MasterUrl::host_is_address() const {
  if (host.find(':') != std::string::npos) return true;  // IPv6
  return std::all_of(host.begin(), host.end(), [](char ch) {
    return std::isdigit(static_cast<unsigned char>(ch)) || ch == '.';
  });
}

MasterUrl parse_master(const Value& v) {
  MasterUrl m;
  m.url = v.as_string("'master'");
  if (m.url.find_first_of(" \t\r\n") != std::string::npos)
    throw v.error("'master' may not hold spaces or newlines");
  std::string rest = strip_scheme(v, m.url);
  std::string auth = rest.substr(0, rest.find('/'));
  auto [host, port] = split_authority(v, auth);
  if (host.empty() ||
      !std::all_of(host.begin(), host.end(), [](char c) { return host_char(c) || c == ':'; }))
    throw v.error("'master' has no usable host in '" + m.url + "'");
  m.host = host;
  m.port = parse_port(v, port, m.url);
  return m;
}

EggmonsterConfig parse_eggmonster(const bootstrap::StepConfig& step) {
  const Value& root = step.config;
  if (root.is_null())
    throw root.error("the eggmonster step needs at least 'master', 'cheeseshop' and 'package'");
  EggmonsterConfig c;
  c.mark = root.mark();
  Fields f(root, "eggmonster");
  c.master = parse_master(f.required("master"));
  c.cheeseshop = parse_url(f.required("cheeseshop"), "'cheeseshop'");
  parse_venv(f, step, c);
  if (const Value* v = f.optional("user")) c.user = parse_user(*v, "'user'");
  if (const Value* v = f.optional("host_id")) c.host_id = parse_host_id(*v);
  if (const Value* v = f.optional("service_dir"))
    c.service_dir = bootstrap::parse_absolute_path(*v, "'service_dir'");
  if (const Value* v = f.optional("log_user")) c.log_user = parse_user(*v, "'log_user'");
  f.finish();
  return c;
}

daemontools::ServiceSpec launchd_service(const EggmonsterConfig& c) {
  daemontools::ServiceSpec s;
  s.name = kServiceName;
  s.home = "/etc/eggmonster/launchd";
  s.run = {c.venv.path + "/bin/monster_launchd", "-u", c.user};
  if (!c.host_id.empty()) s.run.insert(s.run.end(), {"-i", c.host_id});
  s.env = {{"EGGMONSTER_MASTER", c.master.url}, {"EGGMONSTER_CHEESESHOP", c.cheeseshop}};
  s.mark = c.mark;
  return s;
}

}  // namespace eggmonster
