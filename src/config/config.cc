#include "config/config.h"

#include <fmt/format.h>
#include <ini.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace dw::config {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct Default {
  const char* section;
  const char* key;  // lowercase
  const char* value;
};

// wikidump.conf's defaults.conf values for the keys dumpworks reads.
constexpr Default kDefaults[] = {
    {"output", "public", "/dumps/public"},
    {"output", "private", "/dumps/private"},
    {"output", "temp", "/dumps/temp"},
    {"output", "webroot", "http://download.wikimedia.org"},
    {"output", "index", "index.html"},
    {"output", "perdumpindex", "index.html"},
    {"output", "templatedir", ""},
    {"output", "logfile", "dumplog.txt"},
    {"output", "fileperms", "0o640"},
    {"reporting", "staleage", "3600"},
    {"reporting", "batchjobsstaleage", "3600"},
    {"database", "host", "localhost"},
    {"database", "max_allowed_packet", "16M"},
    {"cleanup", "keep", "3"},
    {"chunks", "chunksenabled", "0"},
    {"chunks", "pagesperchunkhistory", "0"},
    {"chunks", "recombinemetacurrent", "1"},
    {"chunks", "recombinehistory", "1"},
    {"chunks", "checkpointtime", "0"},
    {"chunks", "revsperjob", "1000000"},
    {"chunks", "chunksforpagelogs", "0"},
    {"chunks", "logitemsperpagelogs", "0"},
    {"chunks", "maxrevbytes", "35000000000"},
    {"chunks", "retrywait", "30"},
    {"chunks", "revsmargin", "100"},
    {"otherformats", "multistream", "0"},
    {"stubs", "minpages", "1"},
    {"stubs", "maxrevs", "50000"},
    {"misc", "fixeddumporder", "0"},
    {"misc", "maxretries", "3"},
    {"misc", "skipjobs", "sitelistdump"},
    {"tools", "sevenzip", "7za"},
    {"tools", "bzip2", "bzip2"},
    {"tools", "gzip", "gzip"},
};

// Sections a per-wiki section can never override.
bool GlobalOnlySection(std::string_view section) {
  return section == "database" || section == "reporting" || section == "tools";
}

// Keys only the override section (not a per-wiki section) can change.
bool OverrideableOnly(std::string_view section, std::string_view key) {
  if (section == "output") return true;
  if (section == "wiki")
    return key == "dblist" || key == "skipdblist" || key == "privatelist" || key == "closedlist" ||
           key == "flowlist" || key == "dir";
  if (section == "misc") return key == "fixeddumporder" || key == "sevenzipprefetch";
  return false;
}

struct ParseState {
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>>* sections;
};

int OnIni(void* user, const char* section, const char* name, const char* value) {
  auto* st = static_cast<ParseState*>(user);
  auto& sec = (*st->sections)[section];
  if (name == nullptr) return 1;  // a section with no keys yet (INI_CALL_HANDLER_ON_NEW_SECTION)
  sec[Lower(name)] = value ? value : "";
  return 1;
}

}  // namespace

std::pair<std::string, std::string> SplitConfigArg(std::string_view arg) {
  size_t colon = arg.rfind(':');
  if (colon == std::string_view::npos) return {std::string(arg), ""};
  std::string_view after = arg.substr(colon + 1);
  if (after.find('/') != std::string_view::npos) return {std::string(arg), ""};
  return {std::string(arg.substr(0, colon)), std::string(after)};
}

Result<Config> Config::Parse(std::string_view text, std::string_view name,
                             std::string_view override_section) {
  Config c;
  c.source_ = std::string(name);
  ParseState st{&c.sections_};
  std::string buf(text);
  int rc = ini_parse_string(buf.c_str(), &OnIni, &st);
  if (rc > 0)
    return Status::InvalidArgument(fmt::format("{}:{}: cannot parse this line", name, rc));
  if (rc < 0) return Status::InvalidArgument(fmt::format("{}: cannot parse", name));
  if (!override_section.empty()) {
    if (!c.FindSection(override_section))
      return Status::InvalidArgument(fmt::format("{}: no section [{}] (selected with {}:{})", name,
                                                 override_section, name, override_section));
    c.override_section_ = std::string(override_section);
  }
  return c;
}

Result<Config> Config::Load(Env* env, std::string_view file_and_section) {
  auto [file, section] = SplitConfigArg(file_and_section);
  auto text = ReadFileToString(env, file);
  if (!text.ok()) return text.status().WithContext("config");
  return Parse(*text, file, section);
}

const Config::Section* Config::FindSection(std::string_view name) const {
  auto it = sections_.find(name);
  return it == sections_.end() ? nullptr : &it->second;
}

bool Config::HasSection(std::string_view section) const { return FindSection(section) != nullptr; }

std::optional<std::string> Config::Find(std::string_view wiki, std::string_view section,
                                        std::string_view key) const {
  std::string k = Lower(key);
  auto lookup = [&](std::string_view sec_name) -> std::optional<std::string> {
    const Section* sec = FindSection(sec_name);
    if (!sec) return std::nullopt;
    auto it = sec->find(k);
    if (it == sec->end()) return std::nullopt;
    return it->second;
  };
  if (!wiki.empty() && !GlobalOnlySection(section) && !OverrideableOnly(section, k)) {
    if (auto v = lookup(wiki)) return v;
  }
  if (!override_section_.empty() && !GlobalOnlySection(section)) {
    if (auto v = lookup(override_section_)) return v;
  }
  return lookup(section);
}

std::string Config::GetString(std::string_view wiki, std::string_view section,
                              std::string_view key) const {
  if (auto v = Find(wiki, section, key)) return *v;
  std::string k = Lower(key);
  for (const Default& d : kDefaults)
    if (section == d.section && k == d.key) return d.value;
  return "";
}

Result<int64_t> Config::GetInt(std::string_view wiki, std::string_view section,
                               std::string_view key) const {
  std::string raw = GetString(wiki, section, key);
  std::string_view v = Trim(raw);
  auto bad = [&] {
    return Status::InvalidArgument(
        fmt::format("{}: [{}] {}: not an integer: '{}'", source_, section, key, raw));
  };
  if (v.empty()) return int64_t{0};
  int base = 10;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'o' || v[1] == 'O')) {
    base = 8;
    v.remove_prefix(2);
  } else if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    base = 16;
    v.remove_prefix(2);
  }
  int64_t mult = 1;
  if (base == 10 && !v.empty()) {
    char s = static_cast<char>(std::toupper(static_cast<unsigned char>(v.back())));
    if (s == 'K' || s == 'M' || s == 'G') {
      mult = s == 'K' ? 1024 : s == 'M' ? 1024 * 1024 : int64_t{1024} * 1024 * 1024;
      v.remove_suffix(1);
    }
  }
  std::string digits(v);
  if (digits.empty()) return bad();
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(digits.c_str(), &end, base);
  if (errno != 0 || end != digits.c_str() + digits.size()) {
    // configparser users write 35e9 for maxrevbytes: accept a plain float that is integral.
    if (base == 10) {
      char* fend = nullptr;
      double d = std::strtod(digits.c_str(), &fend);
      if (fend == digits.c_str() + digits.size() && d == static_cast<double>(int64_t(d)))
        return static_cast<int64_t>(d) * mult;
    }
    return bad();
  }
  return static_cast<int64_t>(n) * mult;
}

Result<bool> Config::GetBool(std::string_view wiki, std::string_view section,
                             std::string_view key) const {
  std::string raw = GetString(wiki, section, key);
  std::string v = Lower(Trim(raw));
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty()) return false;
  return Status::InvalidArgument(
      fmt::format("{}: [{}] {}: not a boolean (0/1): '{}'", source_, section, key, raw));
}

std::vector<std::string> Config::GetList(std::string_view wiki, std::string_view section,
                                         std::string_view key) const {
  std::vector<std::string> out;
  std::string raw = GetString(wiki, section, key);
  std::string_view rest = raw;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

Result<std::string> Config::DbUrl(std::string_view wiki) const {
  if (const Section* sec = FindSection(wiki)) {
    auto it = sec->find("db");
    if (it != sec->end() && !Trim(it->second).empty()) return std::string(Trim(it->second));
  }
  std::string user = GetString("", "database", "user");
  if (user.empty())
    return Status::InvalidArgument(fmt::format(
        "{}: no database for wiki '{}': set db = sqlite:PATH or mariadb://... in [{}], or "
        "[database] user",
        source_, wiki, wiki));
  std::string url = "mariadb://" + user;
  std::string password = GetString("", "database", "password");
  if (!password.empty()) url += ":" + password;
  url += "@" + GetString("", "database", "host");
  std::string port = GetString("", "database", "port");
  if (!port.empty()) url += ":" + port;
  url += "/" + std::string(wiki);
  std::string socket = GetString("", "database", "socket");
  std::string prefix = GetString(wiki, "database", "prefix");
  if (auto p = Find(wiki, "wiki", "prefix")) prefix = *p;
  char sep = '?';
  if (!socket.empty()) {
    url += sep + ("socket=" + socket);
    sep = '&';
  }
  if (!prefix.empty()) url += sep + ("prefix=" + prefix);
  return url;
}

std::map<std::string, std::string> Config::ExternalStores(std::string_view wiki) const {
  std::map<std::string, std::string> out;
  auto add = [&](std::string_view section) {
    const Section* sec = FindSection(section);
    if (!sec) return;
    for (const auto& [key, value] : *sec) {
      std::string url(Trim(value));
      for (size_t pos = url.find("{wiki}"); pos != std::string::npos;
           pos = url.find("{wiki}", pos + wiki.size())) {
        url.replace(pos, 6, wiki);
      }
      if (url.empty()) {
        out.erase(key);
      } else {
        out[key] = url;
      }
    }
  };
  add("externalstore");
  if (!wiki.empty()) add(fmt::format("externalstore:{}", wiki));
  return out;
}

std::string Config::SiteInfoSource(std::string_view wiki) const {
  if (const Section* sec = FindSection(wiki)) {
    for (const char* k : {"siteinfo", "apiurl"}) {
      auto it = sec->find(k);
      if (it != sec->end() && !Trim(it->second).empty()) return std::string(Trim(it->second));
    }
  }
  return "";
}

std::string Config::ApiUrl(std::string_view wiki) const {
  const Section* sec = FindSection(wiki);
  if (sec == nullptr) return "";
  for (const char* k : {"apiurl", "siteinfo"}) {
    auto it = sec->find(k);
    if (it == sec->end()) continue;
    std::string_view v = Trim(it->second);
    if (v.starts_with("http://") || v.starts_with("https://")) return std::string(v);
  }
  return "";
}

namespace {
Result<std::vector<std::string>> ReadDbList(Env* env, const std::string& path) {
  auto text = ReadFileToString(env, path);
  if (!text.ok()) return text.status().WithContext("dblist");
  std::vector<std::string> out;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (!line.empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return out;
}
}  // namespace

Result<std::vector<std::string>> Config::Wikis(Env* env) const {
  std::vector<std::string> wikis;
  for (const std::string& f : GetList("", "wiki", "dblist")) {
    DW_ASSIGN_OR_RETURN(auto list, ReadDbList(env, f));
    wikis.insert(wikis.end(), list.begin(), list.end());
  }
  for (const std::string& f : GetList("", "wiki", "skipdblist")) {
    DW_ASSIGN_OR_RETURN(auto skip, ReadDbList(env, f));
    std::erase_if(wikis, [&](const std::string& w) {
      return std::find(skip.begin(), skip.end(), w) != skip.end();
    });
  }
  return wikis;
}

}  // namespace dw::config
