// Which wiki a subcommand reads or writes: `--db URL` for a one-off, or
// `--config FILE[:SECTION] --wiki NAME` to take the database (and the siteinfo
// source) from the dumps config. Shared by export, import and sqldump so that
// every subcommand spells, documents and checks these options the same way.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/config.h"
#include "db/database.h"

namespace CLI {
class App;
}

namespace dw::cli {

struct WikiOptions {
  std::string db_url;       // --db
  std::string config_path;  // --config FILE[:SECTION]
  std::string wiki;         // --wiki NAME
};

// Adds --db, --config and --wiki to `app`, bound to *opts.
void AddWikiOptions(CLI::App& app, WikiOptions* opts);

struct ResolvedWiki {
  std::string db_url;                    // never empty
  std::optional<config::Config> config;  // set when --config was given
};

// --db wins; otherwise --config and --wiki must both be given and the wiki's
// database comes from the config. Every error is a usage error whose message
// names the option or the config file.
Result<ResolvedWiki> ResolveWiki(const WikiOptions& opts);

// The wiki's external-store clusters from the config ([externalstore] and
// [externalstore:WIKI]), as cluster name -> database. InvalidArgument naming
// the config file and the cluster when a URL does not parse.
Result<std::map<std::string, db::DbSpec>> ExternalClusters(const config::Config& cfg,
                                                           std::string_view wiki);

}  // namespace dw::cli
