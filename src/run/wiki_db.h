// WikiData over a real wiki database (db::Connection) and jobs::Export: what
// `dumpworks dump` uses. One connection per WikiData (one per worker thread).
#pragma once

#include "db/database.h"
#include "mw/siteinfo.h"
#include "run/wiki.h"

namespace dw::run {

// The factory opens a read-only connection per call. `site` is copied.
WikiDataFactory DbWikiFactory(const db::DbSpec& spec, const mw::SiteInfo& site);

// The api.php siteinfo answer in formatversion 1 or 2, converted from
// site.api_json (either version) or built from `site` when it has none.
std::string SiteInfoApiJson(const mw::SiteInfo& site, int formatversion);

}  // namespace dw::run
