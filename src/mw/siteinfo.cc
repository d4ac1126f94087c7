#include "mw/siteinfo.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "env/env.h"
#include "mw/http.h"

namespace dw::mw {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key, std::string_view def = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string(def);
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return std::string(def);
}

// formatversion 1 marks booleans as present keys with "" values; 2 uses true/false.
bool Flag(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  return true;
}

std::string Spaces(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

}  // namespace

SiteInfo SiteInfo::Defaults(std::string_view dbname) {
  SiteInfo s;
  s.dbname = std::string(dbname.empty() ? "my_wiki" : dbname);
  s.base = "http://localhost/index.php/Main_Page";
  struct {
    int key;
    const char* name;
  } const kNs[] = {{-2, "Media"},    {-1, "Special"},       {0, ""},          {1, "Talk"},
                   {2, "User"},      {3, "User talk"},      {4, "MediaWiki"}, {5, "MediaWiki talk"},
                   {6, "File"},      {7, "File talk"},      {8, "MediaWiki"}, {9, "MediaWiki talk"},
                   {10, "Template"}, {11, "Template talk"}, {12, "Help"},     {13, "Help talk"},
                   {14, "Category"}, {15, "Category talk"}};
  for (const auto& n : kNs) {
    Namespace ns;
    ns.key = n.key;
    ns.name = n.name;
    ns.canonical = n.key == 4 ? "Project" : n.key == 5 ? "Project talk" : n.name;
    ns.content = n.key == 0;
    s.namespaces.push_back(std::move(ns));
  }
  return s;
}

Result<SiteInfo> SiteInfo::FromApiJson(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    std::string what = e.what();
    for (char& c : what)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return Status::InvalidArgument("siteinfo: not JSON: " + what);
  }
  if (!doc.is_object())
    return Status::InvalidArgument("siteinfo: not an api.php answer (not a JSON object)");
  if (auto e = doc.find("error"); e != doc.end() && e->is_object())
    return Status::InvalidArgument(
        fmt::format("api.php error {}: {}", Str(*e, "code", "?"), Str(*e, "info", Str(*e, "*"))));
  const json* q = &doc;
  if (auto it = doc.find("query"); it != doc.end() && it->is_object()) q = &*it;
  auto g = q->find("general");
  if (g == q->end() || !g->is_object()) {
    return Status::InvalidArgument(
        "siteinfo: no query.general object (an api.php siteinfo answer "
        "with siprop=general|namespaces is expected)");
  }
  SiteInfo s;
  s.sitename = Str(*g, "sitename", s.sitename);
  s.dbname = Str(*g, "wikiid", "");
  if (auto db = Str(*g, "dbname", ""); !db.empty()) s.dbname = db;
  s.base = Str(*g, "base", "");
  s.generator = Str(*g, "generator", s.generator);
  s.case_mode = Str(*g, "case", s.case_mode);
  s.lang = Str(*g, "lang", s.lang);
  auto nss = q->find("namespaces");
  if (nss != q->end() && nss->is_object()) {
    for (const auto& [k, v] : nss->items()) {
      if (!v.is_object()) continue;
      Namespace ns;
      try {
        ns.key = v.contains("id") ? v["id"].get<int>() : std::stoi(k);
      } catch (...) {
        return Status::InvalidArgument("siteinfo: bad namespace id '" + k + "'");
      }
      ns.name = v.contains("name") ? Str(v, "name") : Str(v, "*");
      ns.canonical = Str(v, "canonical");
      ns.case_mode = Str(v, "case", "first-letter");
      ns.content = Flag(v, "content");
      s.namespaces.push_back(std::move(ns));
    }
  }
  if (auto al = q->find("namespacealiases"); al != q->end() && al->is_array()) {
    std::sort(s.namespaces.begin(), s.namespaces.end(),
              [](const Namespace& a, const Namespace& b) { return a.key < b.key; });
    for (const auto& a : *al) {
      if (!a.is_object() || !a.contains("id")) continue;
      int id = a["id"].get<int>();
      std::string name = a.contains("alias") ? Str(a, "alias") : Str(a, "*");
      for (auto& ns : s.namespaces) {
        if (ns.key == id) ns.aliases.push_back(name);
      }
    }
  }
  if (s.namespaces.empty()) s.namespaces = Defaults(s.dbname).namespaces;
  std::sort(s.namespaces.begin(), s.namespaces.end(),
            [](const Namespace& a, const Namespace& b) { return a.key < b.key; });
  s.api_json = std::string(text);
  return s;
}

bool IsUrl(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

std::string SiteInfoQueryUrl(std::string_view api_url, std::string_view siprop, int fv) {
  std::string url(api_url);
  if (url.find('?') != std::string::npos) return url;
  url += "?action=query&meta=siteinfo&siprop=";
  for (char c : siprop) {
    if (c == '|')
      url += "%7C";
    else
      url += c;
  }
  url += "&format=json";
  if (fv == 2) url += "&formatversion=2";
  return url;
}

Result<std::string> FetchSiteInfoJson(HttpClient* http, std::string_view api_url,
                                      std::string_view siprop, int fv) {
  std::unique_ptr<HttpClient> own;
  if (http == nullptr) {
    own = NewCurlHttpClient();
    http = own.get();
  }
  std::string url = SiteInfoQueryUrl(api_url, siprop, fv);
  DW_ASSIGN_OR_RETURN(std::string body, http->Get(url));
  auto parsed = SiteInfo::FromApiJson(body);
  if (!parsed.ok()) {
    std::string m(parsed.status().message());
    if (m.starts_with("siteinfo: ")) m.erase(0, 10);
    return Status::InvalidArgument(fmt::format("{}: {}", url, m));
  }
  return body;
}

Result<SiteInfo> SiteInfo::Load(std::string_view file_or_url, HttpClient* http) {
  if (IsUrl(file_or_url)) {
    DW_ASSIGN_OR_RETURN(std::string body, FetchSiteInfoJson(http, file_or_url, kExportSiprop, 2));
    return FromApiJson(body);
  }
  std::string path(file_or_url);
  DW_ASSIGN_OR_RETURN(std::string text, ReadFileToString(Env::Default(), path));
  auto r = FromApiJson(text);
  if (!r.ok()) return r.status().WithContext(path);
  return r;
}

const Namespace* SiteInfo::FindNamespace(int key) const {
  for (const auto& ns : namespaces) {
    if (ns.key == key) return &ns;
  }
  return nullptr;
}

std::string SiteInfo::FullTitle(int ns, std::string_view db_key) const {
  std::string out;
  if (const Namespace* n = FindNamespace(ns); n != nullptr && !n->name.empty()) {
    out = Spaces(n->name);
    out.push_back(':');
  }
  size_t start = out.size();
  out.append(db_key);
  std::replace(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), '_', ' ');
  return out;
}

std::pair<int, std::string> SiteInfo::SplitTitle(std::string_view full_title) const {
  std::string t(full_title);
  std::replace(t.begin(), t.end(), ' ', '_');
  auto colon = t.find(':');
  if (colon != std::string::npos && colon > 0) {
    std::string prefix = t.substr(0, colon);
    auto eq = [&](std::string_view name) {
      std::string n(name);
      std::replace(n.begin(), n.end(), ' ', '_');
      if (n.size() != prefix.size()) return false;
      for (size_t i = 0; i < n.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(n[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
          return false;
      }
      return true;
    };
    for (const auto& ns : namespaces) {
      if (ns.key == 0) continue;
      bool match = eq(ns.name) || (!ns.canonical.empty() && eq(ns.canonical));
      for (const auto& a : ns.aliases) match = match || eq(a);
      if (match) return {ns.key, t.substr(colon + 1)};
    }
  }
  return {0, t};
}

}  // namespace dw::mw
