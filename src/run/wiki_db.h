// WikiData over a real wiki database (db::Connection) and jobs::Export: what
// `dumpworks dump` uses. One connection per WikiData (one per worker thread).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "db/database.h"
#include "mw/http.h"
#include "mw/siteinfo.h"
#include "run/wiki.h"

namespace dw::run {

// Where the namespaces jobs get the api.php siteinfo answers.
struct ApiSource {
  std::string api_url;                   // "" = convert site.api_json / build from `site`
  std::shared_ptr<mw::HttpClient> http;  // nullptr = a curl client (mw/http.h)
};

// The factory opens a read-only connection per call. `site` is copied. With
// api.api_url set, SiteInfoJson fetches the live answer from the wiki's api.php
// (mw::kNamespacesSiprop, the query Wikimedia's namespaces jobs use) and returns
// it verbatim. `external_clusters` (cluster name -> database of its `blobs`
// table, see mw/external_store.h) resolves `DB://CLUSTER/...` texts; each
// WikiData opens its own cluster connections, on first use.
WikiDataFactory DbWikiFactory(const db::DbSpec& spec, const mw::SiteInfo& site, ApiSource api = {},
                              std::map<std::string, db::DbSpec> external_clusters = {});

// The api.php siteinfo answer in formatversion 1 or 2, converted from
// site.api_json (either version) or built from `site` when it has none.
std::string SiteInfoApiJson(const mw::SiteInfo& site, int formatversion);

}  // namespace dw::run
