#include "run/wiki_db.h"

#include <nlohmann/json.hpp>

#include "jobs/sqldump.h"
#include "mw/external_store.h"

namespace dw::run {
namespace {

using ojson = nlohmann::ordered_json;

// Keys formatversion 1 writes as "" (present) / absent for true / false.
bool IsFlagKey(const std::string& k) {
  static const char* kFlags[] = {"content",
                                 "subpages",
                                 "nonincludable",
                                 "batchcomplete",
                                 "case-sensitive",
                                 "rtl",
                                 "readonly",
                                 "writeapi",
                                 "imagewhitelistenabled",
                                 "langconversion",
                                 "titleconversion",
                                 "linkprefixcharset",
                                 "uploadsenabled",
                                 "misermode",
                                 "invalidusernamechars",
                                 "centralidlookupprovider",
                                 "allcentralidlookupproviders",
                                 "favicon",
                                 "logo"};
  for (const char* f : kFlags)
    if (k == f) return true;
  return false;
}

// v2 -> v1: booleans become ""/absent, "name"/"alias" of namespaces become "*".
ojson ToV1(const ojson& j, const std::string& parent) {
  if (j.is_object()) {
    ojson out = ojson::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (it->is_boolean()) {
        if (it->get<bool>()) out[k] = "";
        continue;
      }
      std::string key = k;
      if ((parent == "namespace" && k == "name") || (parent == "alias" && k == "alias")) key = "*";
      std::string child = k == "namespaces"         ? "namespaces"
                          : k == "namespacealiases" ? "aliases"
                                                    : "";
      if (parent == "namespaces") child = "namespace";
      out[key] = ToV1(*it, child);
    }
    return out;
  }
  if (j.is_array()) {
    ojson out = ojson::array();
    for (const auto& e : j) out.push_back(ToV1(e, parent == "aliases" ? "alias" : parent));
    return out;
  }
  return j;
}

// v1 -> v2: "" flags become true, "*" becomes "name"/"alias".
ojson ToV2(const ojson& j, const std::string& parent) {
  if (j.is_object()) {
    ojson out = ojson::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (IsFlagKey(k) && it->is_string() && it->get<std::string>().empty()) {
        out[k] = true;
        continue;
      }
      std::string key = k;
      if (k == "*") key = parent == "alias" ? "alias" : "name";
      std::string child = k == "namespaces"         ? "namespaces"
                          : k == "namespacealiases" ? "aliases"
                                                    : "";
      if (parent == "namespaces") child = "namespace";
      out[key] = ToV2(*it, child);
    }
    if (parent == "namespace") {
      for (const char* f : {"subpages", "content", "nonincludable"})
        if (!out.contains(f)) out[f] = false;
    }
    return out;
  }
  if (j.is_array()) {
    ojson out = ojson::array();
    for (const auto& e : j) out.push_back(ToV2(e, parent == "aliases" ? "alias" : parent));
    return out;
  }
  return j;
}

bool LooksV2(const ojson& j) {
  if (j.contains("batchcomplete")) return j["batchcomplete"].is_boolean();
  if (j.contains("query") && j["query"].contains("namespaces")) {
    for (const auto& ns : j["query"]["namespaces"]) return ns.contains("name");
  }
  return false;
}

class DbWiki final : public WikiData {
 public:
  DbWiki(std::unique_ptr<db::Connection> conn, const mw::SiteInfo& site, ApiSource api,
         std::map<std::string, db::DbSpec> external_clusters)
      : conn_(std::move(conn)),
        site_(site),
        api_(std::move(api)),
        external_(std::move(external_clusters)) {}

  Result<int64_t> MaxPageId() override { return Max("SELECT MAX(page_id) FROM {page}"); }
  Result<int64_t> MaxLogId() override { return Max("SELECT MAX(log_id) FROM {logging}"); }

  Status RevisionCounts(int64_t first, int64_t last,
                        const std::function<void(int64_t, int64_t)>& fn) override {
    db::Value params[] = {first, last};
    DW_ASSIGN_OR_RETURN(auto cur,
                        conn_->Query(conn_->Sql("SELECT rev_page, COUNT(*) FROM {revision} "
                                                "WHERE rev_page BETWEEN ? AND ? GROUP BY "
                                                "rev_page ORDER BY rev_page"),
                                     params));
    while (true) {
      DW_ASSIGN_OR_RETURN(bool more, cur->Next());
      if (!more) break;
      fn(cur->row().Int(0), cur->row().Int(1));
    }
    return Status::OK();
  }

  Status Titles(bool ns0_only, const std::function<Status(int, std::string_view)>& fn) override {
    std::string sql = ns0_only ? "SELECT page_namespace, page_title FROM {page} WHERE "
                                 "page_namespace = 0 ORDER BY page_namespace, page_title"
                               : "SELECT page_namespace, page_title FROM {page} ORDER BY "
                                 "page_namespace, page_title";
    DW_ASSIGN_OR_RETURN(auto cur, conn_->Query(conn_->Sql(sql)));
    while (true) {
      DW_ASSIGN_OR_RETURN(bool more, cur->Next());
      if (!more) break;
      DW_RETURN_IF_ERROR(fn(static_cast<int>(cur->row().Int(0)), cur->row().Bytes(1)));
    }
    return Status::OK();
  }

  Result<std::string> SiteInfoJson(int fv) override {
    if (api_.api_url.empty()) return SiteInfoApiJson(site_, fv);
    return mw::FetchSiteInfoJson(api_.http.get(), api_.api_url, mw::kNamespacesSiprop, fv);
  }

  Status Export(const jobs::ExportOptions& options, std::vector<jobs::ExportOutput>& outputs,
                jobs::ExportObserver* observer, jobs::ExportStats* stats) override {
    if (external_.empty() || options.external_store != nullptr) {
      return jobs::Export(*conn_, site_, options, outputs, observer, stats);
    }
    jobs::ExportOptions with_store = options;
    with_store.external_store = &external_;
    return jobs::Export(*conn_, site_, with_store, outputs, observer, stats);
  }

  Status DumpTable(std::string_view table, Sink* out) override {
    DW_ASSIGN_OR_RETURN(auto snap, jobs::SqlSnapshot::Open(conn_->spec(), 1));
    auto st = jobs::DumpSqlTableFile(*snap, table, jobs::SqlDumpOptions{}, out);
    return st.ok() ? Status::OK() : st.status();
  }

 private:
  Result<int64_t> Max(const char* sql) {
    DW_ASSIGN_OR_RETURN(auto cur, conn_->Query(conn_->Sql(sql)));
    DW_ASSIGN_OR_RETURN(bool any, cur->Next());
    return any ? cur->row().Int(0) : int64_t{0};
  }

  std::unique_ptr<db::Connection> conn_;
  mw::SiteInfo site_;
  ApiSource api_;
  mw::ExternalStore external_;
};

}  // namespace

std::string SiteInfoApiJson(const mw::SiteInfo& site, int fv) {
  ojson j;
  if (!site.api_json.empty()) {
    try {
      j = ojson::parse(site.api_json);
    } catch (const std::exception&) {
      j = nullptr;
    }
  }
  if (j.is_null()) {
    // Built from the SiteInfo (formatversion 2 shape), then converted.
    j["batchcomplete"] = true;
    ojson g;
    g["mainpage"] = "Main Page";
    g["base"] = site.base;
    g["sitename"] = site.sitename;
    g["generator"] = site.generator;
    g["case"] = site.case_mode;
    g["lang"] = site.lang;
    g["wikiid"] = site.dbname;
    j["query"]["general"] = g;
    ojson nss = ojson::object();
    ojson aliases = ojson::array();
    for (const mw::Namespace& ns : site.namespaces) {
      ojson n;
      n["id"] = ns.key;
      n["case"] = ns.case_mode;
      n["name"] = ns.name;
      n["subpages"] = false;
      if (!ns.canonical.empty()) n["canonical"] = ns.canonical;
      n["content"] = ns.content;
      n["nonincludable"] = false;
      nss[std::to_string(ns.key)] = n;
      for (const std::string& a : ns.aliases) aliases.push_back({{"id", ns.key}, {"alias", a}});
    }
    j["query"]["namespaces"] = nss;
    j["query"]["namespacealiases"] = aliases;
  }
  bool v2 = LooksV2(j);
  if (fv == 2 && !v2) j = ToV2(j, "");
  if (fv == 1 && v2) j = ToV1(j, "");
  return j.dump();
}

WikiDataFactory DbWikiFactory(const db::DbSpec& spec, const mw::SiteInfo& site, ApiSource api,
                              std::map<std::string, db::DbSpec> external_clusters) {
  db::DbSpec ro = spec;
  ro.read_only = true;
  if (!api.api_url.empty() && !api.http) api.http = mw::NewCurlHttpClient();
  return [ro, site, api, external_clusters]() -> Result<std::unique_ptr<WikiData>> {
    DW_ASSIGN_OR_RETURN(auto conn, db::Connect(ro));
    return std::unique_ptr<WikiData>(new DbWiki(std::move(conn), site, api, external_clusters));
  };
}

}  // namespace dw::run
