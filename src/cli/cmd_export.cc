// dumpworks export: the dumpBackup.php of dumpworks (see docs/export.md).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "cli/command.h"
#include "cli/wiki_options.h"
#include "config/config.h"
#include "db/database.h"
#include "env/env.h"
#include "jobs/export.h"
#include "mw/external_store.h"
#include "mw/siteinfo.h"
#include "stream/file_sink.h"
#include "stream/output.h"
#include "stream/sink.h"

namespace dw::cli {
namespace {

class ProgressPrinter final : public jobs::ExportObserver {
 public:
  ProgressPrinter() : start_(std::chrono::steady_clock::now()), tty_(::isatty(2) != 0) {}
  void OnProgress(const jobs::ExportStats& s, int64_t last_page, int64_t max_page) override {
    if (!tty_ || GetLogLevel() > LogLevel::kInfo) return;
    double secs = Seconds();
    double rate = secs > 0 ? static_cast<double>(s.revisions + s.logitems) / secs : 0;
    std::string eta;
    if (max_page > 0 && last_page > 0 && last_page <= max_page) {
      double done = static_cast<double>(last_page) / static_cast<double>(max_page);
      if (done > 0) eta = fmt::format(", ETA {:.0f} s", secs / done - secs);
    }
    std::fprintf(stderr, "\rexport: %lld pages, %lld revisions, %.0f rev/s, %.1f MB text%s   ",
                 static_cast<long long>(s.pages), static_cast<long long>(s.revisions), rate,
                 static_cast<double>(s.text_bytes) / 1e6, eta.c_str());
    printed_ = true;
  }
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void Done() {
    if (printed_) std::fputc('\n', stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_;
  bool tty_;
  bool printed_ = false;
};

struct OutputSpec {
  std::string spec;  // as given: "file:PATH", "gzip:PATH", ..., "-"
  std::string path;  // the path part ("-" for stdout)
  std::vector<std::string> filters;
};

// dumpBackup.php's --output/--filter pairing: each --filter belongs to the
// --output before it. CLI11 does not keep that interleaving, so read it from argv.
Result<std::vector<OutputSpec>> ScanOutputs(int argc, char** argv) {
  std::vector<OutputSpec> outs;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::string value;
    bool is_output = false, is_filter = false;
    if (a.starts_with("--output=")) {
      is_output = true;
      value = std::string(a.substr(9));
    } else if (a == "--output" && i + 1 < argc) {
      is_output = true;
      value = argv[++i];
    } else if (a.starts_with("--filter=")) {
      is_filter = true;
      value = std::string(a.substr(9));
    } else if (a == "--filter" && i + 1 < argc) {
      is_filter = true;
      value = argv[++i];
    } else if (a == "--") {
      break;
    }
    if (is_output) {
      OutputSpec o;
      o.spec = value;
      auto colon = value.find(':');
      std::string kind = colon == std::string::npos ? "" : value.substr(0, colon);
      o.path = value;
      if (kind == "file" || kind == "gzip" || kind == "bzip2" || kind == "zstd") {
        o.path = value.substr(colon + 1);
      }
      if (o.path.empty()) return Status::InvalidArgument("--output " + value + ": missing path");
      outs.push_back(std::move(o));
    } else if (is_filter) {
      if (outs.empty()) outs.push_back(OutputSpec{"-", "-", {}});
      outs.back().filters.push_back(value);
    }
  }
  if (outs.empty()) outs.push_back(OutputSpec{"-", "-", {}});
  return outs;
}

}  // namespace

int RunExport(int argc, char** argv) {
  CLI::App app{"Writes a wiki's pages (or logs) as MediaWiki export XML, like dumpBackup.php",
               "dumpworks export"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  WikiOptions where;
  std::string siteinfo_path, schema = "0.11", form = "onepass";
  bool full = false, current = false, logs = false, stub = false, revrange = false;
  bool skip_header = false, skip_footer = false, overwrite = false;
  std::optional<int64_t> start, end, revstart, revend;
  std::vector<std::string> outputs_raw, filters_raw, external_raw;
  int batch = 10000;
  bool no_read_ahead = false;
  int read_threads = 0;
  AddWikiOptions(app, &where);
  app.add_option("--siteinfo", siteinfo_path,
                 "api.php siteinfo JSON file (siprop=general|namespaces|namespacealiases), or the "
                 "wiki's api.php URL (http[s]://.../api.php), fetched");
  app.add_option("--external-store", external_raw,
                 "CLUSTER=DBURL: the database whose `blobs` table holds DB://CLUSTER/... text "
                 "(repeatable; overrides [externalstore] of --config)");
  auto* g = app.add_option_group("what", "what to dump (one of)");
  g->add_flag("--full", full, "every revision");
  g->add_flag("--current", current, "the latest revision of each page");
  g->add_flag("--logs", logs, "log items instead of pages");
  g->add_flag("--revrange", revrange, "revisions --revstart..--revend (with --full history)");
  g->require_option(1);
  app.add_flag("--stub", stub, "no text: <text location=.. id=.. /> (for a two-pass dump)");
  app.add_option("--start", start, "first page id (log id with --logs)");
  app.add_option("--end", end, "stop before this page id (log id with --logs)");
  app.add_option("--revstart", revstart, "first revision id");
  app.add_option("--revend", revend, "stop before this revision id");
  app.add_option("--filter", filters_raw,
                 "latest | notalk | namespace:LIST | namespace:!LIST, for the --output before it")
      ->take_all();
  app.add_option("--output", outputs_raw, "file:PATH | gzip:PATH | bzip2:PATH | zstd:PATH | -")
      ->take_all();
  app.add_option("--schema-version", schema, "0.10 or 0.11")
      ->check(CLI::IsMember({"0.10", "0.11"}));
  app.add_option("--form", form,
                 "onepass (dumpBackup.php's bytes) or twopass (dumpTextPass.php's bytes)")
      ->check(CLI::IsMember({"onepass", "twopass"}));
  app.add_flag("--skip-header", skip_header, "no <mediawiki> header and <siteinfo>");
  app.add_flag("--skip-footer", skip_footer, "no </mediawiki> footer");
  app.add_flag("--overwrite", overwrite, "replace existing output files");
  app.add_option("--batch-size", batch, "pages per database query")->check(CLI::Range(1, 10000000));
  app.add_option("--read-threads", read_threads,
                 "SQLite: connections reading in parallel, each on its own thread (0 = up to 2, "
                 "by the cores; 1 where the database is in WAL mode)")
      ->check(CLI::Range(0, 16));
  app.add_flag("--no-read-ahead", no_read_ahead,
               "SQLite: read on the exporting thread (for benchmarks; same output)")
      ->group("");
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  auto specs = ScanOutputs(argc, argv);
  if (!specs.ok()) {
    PrintError("export", specs.status().message());
    return kExitUsage;
  }
  // The database and siteinfo: --db/--siteinfo, or the wiki's config keys.
  Env* env = Env::Default();
  auto resolved = ResolveWiki(where);
  if (!resolved.ok()) {
    PrintError("export", resolved.status().message());
    return kExitUsage;
  }
  const std::string& wiki = where.wiki;
  std::map<std::string, db::DbSpec> clusters;
  if (resolved->config) {
    const config::Config& cfg = *resolved->config;
    if (siteinfo_path.empty()) siteinfo_path = cfg.SiteInfoSource(wiki);
    auto configured = ExternalClusters(cfg, wiki);
    if (!configured.ok()) {
      PrintError("export", configured.status().message());
      return kExitUsage;
    }
    clusters = std::move(*configured);
  }
  for (const std::string& arg : external_raw) {
    Status st = mw::ExternalStore::AddClusterArg(arg, &clusters);
    if (!st.ok()) {
      PrintError("export", st.message());
      return kExitUsage;
    }
  }
  mw::ExternalStore external(std::move(clusters));
  auto spec = db::ParseDbUrl(resolved->db_url);
  if (!spec.ok()) {
    PrintError("export", spec.status().message());
    return kExitUsage;
  }
  spec->read_only = true;

  mw::SiteInfo site;
  if (!siteinfo_path.empty()) {
    auto s = mw::SiteInfo::Load(siteinfo_path);
    if (!s.ok()) {
      PrintError("export", s.status().message());
      // A wiki that cannot be reached is a failure, not bad usage.
      return mw::IsUrl(siteinfo_path) && !s.status().IsInvalidArgument() ? kExitFailure
                                                                         : kExitUsage;
    }
    site = std::move(*s);
  } else {
    std::string name = !wiki.empty()                           ? wiki
                       : spec->backend == db::Backend::kSqlite ? BaseName(spec->path)
                                                               : spec->dbname;
    if (auto dot = name.find('.'); dot != std::string::npos) name = name.substr(0, dot);
    site = mw::SiteInfo::Defaults(name);
  }

  jobs::ExportOptions opt;
  opt.history = logs      ? jobs::History::kLogs
                : current ? jobs::History::kCurrent
                          : jobs::History::kFull;
  opt.stub = stub;
  opt.start = start;
  opt.end = end;
  opt.rev_start = revstart;
  opt.rev_end = revend;
  opt.schema_version = schema;
  opt.form = form == "twopass" ? jobs::Form::kTwoPass : jobs::Form::kOnePass;
  opt.write_header = !skip_header;
  opt.write_footer = !skip_footer;
  opt.batch_size = batch;
  opt.read_ahead = !no_read_ahead;
  if (read_threads == 0) {
    // Two readers keep a 2-core machine busy (the formatting thread needs
    // about a third of what they do); more cost memory and gain little.
    read_threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 2u));
  }
  opt.read_connections = read_threads;
  if (!external.empty()) opt.external_store = &external;

  // Check everything that does not need the database before opening outputs.
  {
    std::vector<jobs::ExportOutput> probe(specs->size());
    std::string unused;
    stream::StringSink dummy(&unused);  // never written: validation only looks at filters
    for (size_t i = 0; i < specs->size(); ++i) {
      probe[i].sink = &dummy;
      probe[i].filters = (*specs)[i].filters;
    }
    Status st = jobs::ValidateExportOptions(opt, probe, &site);
    if (!st.ok()) {
      PrintError("export", st.message());
      return kExitUsage;
    }
  }

  auto conn = db::Connect(*spec);
  if (!conn.ok()) {
    PrintError("export", conn.status().message());
    return kExitFailure;
  }

  // Outputs: written under temporary names, published only after a complete export
  // (devices and pipes such as /dev/null are written in place, see stream/output.h).
  std::vector<std::unique_ptr<stream::Output>> files;
  std::vector<jobs::ExportOutput> outputs(specs->size());
  auto abandon = [&]() {
    for (auto& f : files) f->Abandon();
  };
  stream::OutputOptions oopt;
  oopt.overwrite = overwrite;
  for (size_t i = 0; i < specs->size(); ++i) {
    const OutputSpec& o = (*specs)[i];
    outputs[i].filters = o.filters;
    auto f = stream::OpenOutput(env, o.spec, oopt);
    if (!f.ok()) {
      abandon();
      PrintError("export", f.status().message());
      return f.status().IsInvalidArgument() ? kExitUsage : kExitFailure;
    }
    outputs[i].sink = (*f)->sink();
    files.push_back(std::move(*f));
  }

  ProgressPrinter progress;
  jobs::ExportStats stats;
  Status st = jobs::Export(**conn, site, opt, outputs, &progress, &stats);
  progress.Done();
  if (!st.ok()) {
    abandon();
    PrintError("export", st.message());
    return kExitFailure;
  }
  for (auto& f : files) {
    Status pst = f->Publish();
    if (!pst.ok()) {
      abandon();
      PrintError("export", pst.message());
      return kExitFailure;
    }
  }
  double secs = progress.Seconds();
  LogInfo("export: {} pages, {} revisions, {} log items in {:.2f} s ({:.0f} rev/s){}", stats.pages,
          stats.revisions, stats.logitems, secs,
          secs > 0 ? static_cast<double>(stats.revisions) / secs : 0.0,
          stats.problems.empty() ? std::string()
                                 : fmt::format(", {} problem revisions", stats.problems.size()));
  return stats.problems.empty() ? kExitOk : kExitPartial;
}

}  // namespace dw::cli
