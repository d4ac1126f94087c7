#include "cli/wiki_options.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "env/env.h"

namespace dw::cli {

void AddWikiOptions(CLI::App& app, WikiOptions* opts) {
  app.add_option("--db", opts->db_url,
                 "the wiki database: sqlite:PATH or "
                 "mariadb://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?socket=PATH&prefix=PFX]");
  app.add_option("--config", opts->config_path,
                 "dumps config file (INI, FILE[:SECTION]); with --wiki, instead of --db");
  app.add_option("--wiki", opts->wiki, "the wiki (database name) in --config");
}

Result<ResolvedWiki> ResolveWiki(const WikiOptions& opts) {
  ResolvedWiki out;
  out.db_url = opts.db_url;
  if (!opts.config_path.empty() || !opts.wiki.empty()) {
    if (opts.config_path.empty() || opts.wiki.empty()) {
      return Status::InvalidArgument("--config and --wiki go together");
    }
    DW_ASSIGN_OR_RETURN(config::Config cfg, config::Config::Load(Env::Default(), opts.config_path));
    if (out.db_url.empty()) {
      DW_ASSIGN_OR_RETURN(out.db_url, cfg.DbUrl(opts.wiki));
    }
    out.config = std::move(cfg);
  }
  if (out.db_url.empty()) {
    return Status::InvalidArgument(
        "which database? give --db sqlite:PATH|mariadb://... or --config and --wiki");
  }
  return out;
}

Result<std::map<std::string, db::DbSpec>> ExternalClusters(const config::Config& cfg,
                                                           std::string_view wiki) {
  std::map<std::string, db::DbSpec> clusters;
  for (const auto& [cluster, url] : cfg.ExternalStores(wiki)) {
    auto spec = db::ParseDbUrl(url);
    if (!spec.ok()) {
      return Status::InvalidArgument(fmt::format("{}: [externalstore] {}: {}", cfg.source(),
                                                 cluster, spec.status().message()));
    }
    clusters[cluster] = std::move(*spec);
  }
  return clusters;
}

}  // namespace dw::cli
