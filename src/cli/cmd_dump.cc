#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <mutex>

#include "cli/command.h"
#include "cli/wiki_options.h"
#include "config/config.h"
#include "db/database.h"
#include "jobs/sqldump.h"
#include "mw/siteinfo.h"
#include "run/runner.h"
#include "run/wiki_db.h"
#include "testing/fake_wiki.h"

namespace dw::cli {
namespace {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int RunDump(int argc, char** argv) {
  CLI::App app{"run a whole dump of one wiki: all jobs, status files, index pages",
               "dumpworks dump"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  std::string config_arg, date = "today", job, skipjobs, wiki, synthetic;
  bool skipdone = false, prereqs = false, exclusive = false, dryrun = false, force = false,
       list_jobs = false;
  int threads = 0;
  app.add_option("--config,--configfile", config_arg,
                 "the dumps config file, FILE or FILE:SECTION (wikidump.conf names)");
  app.add_option("--date", date, "run date YYYYMMDD, today (UTC) or last (the newest run)");
  app.add_option("--job", job,
                 "only these jobs (comma-separated; also noop, latestlinks, "
                 "createdirs, tables)");
  app.add_option("--skipjobs", skipjobs, "mark these jobs skipped (comma-separated)");
  app.add_flag("--skipdone", skipdone, "skip jobs already done in this run");
  app.add_flag("--prereqs", prereqs, "also run missing prerequisites of --job jobs");
  app.add_flag("--exclusive", exclusive, "lock the wiki (always done; kept for worker.py users)");
  app.add_flag("--dryrun", dryrun, "print what would run; write nothing, take no lock");
  app.add_flag("--force", force, "take the lock even if another worker holds it");
  app.add_flag("--list-jobs", list_jobs, "list the jobs of a run, in order, and exit");
  app.add_option("--threads", threads,
                 "cores to use: parts dumped in parallel, compressor threads shared by all "
                 "files (default: all cores)");
  app.add_option("--synthetic-wiki", synthetic,
                 "PAGES:REVS: dump a synthetic wiki instead of the database (tests, benchmarks)")
      ->group("");
  app.add_option("wiki", wiki, "the wiki (database name) to dump");
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  config::Config cfg;
  if (!config_arg.empty()) {
    auto c = config::Config::Load(Env::Default(), config_arg);
    if (!c.ok()) {
      PrintError("dump", c.status().message());
      return kExitUsage;
    }
    cfg = std::move(*c);
  }
  auto settings = run::RunSettings::FromConfig(cfg, wiki);
  if (!settings.ok()) {
    PrintError("dump", settings.status().message());
    return kExitUsage;
  }
  settings->threads = threads;
  if (list_jobs) {
    for (const std::string& line : run::ListJobs(*settings)) std::printf("%s\n", line.c_str());
    return kExitOk;
  }
  if (wiki.empty()) {
    PrintError("dump", "no wiki given (dumpworks dump --config FILE WIKI)");
    return kExitUsage;
  }
  if (config_arg.empty()) {
    PrintError("dump", "--config FILE is required (see docs/config.md)");
    return kExitUsage;
  }

  run::WikiDataFactory factory;
  if (!synthetic.empty()) {
    testing::FakeWikiOptions fo;
    if (std::sscanf(synthetic.c_str(), "%ld:%ld", &fo.pages, &fo.revs_per_page) != 2 ||
        fo.pages < 0 || fo.revs_per_page < 1) {
      PrintError("dump", "--synthetic-wiki " + synthetic + ": expected PAGES:REVS");
      return kExitUsage;
    }
    factory = testing::FakeWikiFactory(fo);
  } else {
    auto url = cfg.DbUrl(wiki);
    if (!url.ok()) {
      PrintError("dump", url.status().message());
      return kExitUsage;
    }
    auto spec = db::ParseDbUrl(*url);
    if (!spec.ok()) {
      PrintError("dump",
                 fmt::format("{}: [{}] db: {}", cfg.source(), wiki, spec.status().message()));
      return kExitUsage;
    }
    mw::SiteInfo site = mw::SiteInfo::Defaults(wiki);
    std::string si = cfg.SiteInfoSource(wiki);
    if (!si.empty()) {
      auto loaded = mw::SiteInfo::Load(si);
      if (!loaded.ok()) {
        PrintError("dump", fmt::format("siteinfo of {}: {}", wiki, loaded.status().message()));
        // A wiki that cannot be reached is a failure, not bad usage.
        return mw::IsUrl(si) && !loaded.status().IsInvalidArgument() ? kExitFailure : kExitUsage;
      }
      site = std::move(*loaded);
    }
    if (site.dbname.empty()) site.dbname = wiki;
    // Fail early, with the database named, if it cannot be opened.
    db::DbSpec ro = *spec;
    ro.read_only = true;
    auto probe = db::Connect(ro);
    if (!probe.ok()) {
      PrintError("dump", probe.status().message());
      return kExitFailure;
    }
    // One table job per Wikimedia table that exists in this wiki's database
    // (MariaDB or SQLite: the SQL dumper writes MariaDB's form for both).
    for (std::string_view t : jobs::DefaultSqlDumpTables()) {
      auto exists = (*probe)->TableExists(t);
      if (exists.ok() && *exists) settings->tables.emplace_back(t);
    }
    // Texts kept in an external store ([externalstore] of the config).
    auto clusters = ExternalClusters(cfg, wiki);
    if (!clusters.ok()) {
      PrintError("dump", clusters.status().message());
      return kExitUsage;
    }
    // The namespaces jobs fetch live api.php answers when the wiki has an
    // api.php URL (apiurl, or siteinfo = http...).
    factory = run::DbWikiFactory(*spec, site, run::ApiSource{cfg.ApiUrl(wiki), nullptr},
                                 std::move(*clusters));
  }

  auto resolved = run::ResolveDate(Env::Default(), *settings, wiki, date);
  if (!resolved.ok()) {
    PrintError("dump", resolved.status().message());
    return kExitUsage;
  }
  run::DumpOptions opts;
  opts.wiki = wiki;
  opts.date = *resolved;
  opts.jobs = SplitComma(job);
  opts.skipjobs = SplitComma(skipjobs);
  opts.skipdone = skipdone;
  opts.prereqs = prereqs;
  opts.dryrun = dryrun;
  opts.force = force;
  (void)exclusive;
  const bool tty = isatty(2) && !common.quiet;
  std::mutex tty_mu;
  if (tty)
    opts.on_progress = [&](std::string_view line) {
      std::lock_guard<std::mutex> lk(tty_mu);
      std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(std::min<size_t>(line.size(), 160)),
                   line.data());
      std::fflush(stderr);
    };
  opts.on_dryrun = [](std::string_view line) {
    std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
  };
  run::DumpResult result;
  Status s = run::RunDump(Env::Default(), *settings, opts, factory, &result);
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!s.ok()) {
    PrintError("dump", s.message());
    return s.IsInvalidArgument() ? kExitUsage : kExitFailure;
  }
  if (dryrun) return kExitOk;
  if (!result.failed.empty()) {
    std::string list;
    for (const std::string& f : result.failed) list += (list.empty() ? "" : ", ") + f;
    PrintError("dump", fmt::format("{} {}: {} job(s) failed: {} (rerun the same command to "
                                   "resume)",
                                   wiki, opts.date, result.failed.size(), list));
    return kExitFailure;
  }
  if (!result.waiting.empty()) {
    std::string list;
    for (const std::string& f : result.waiting) list += (list.empty() ? "" : ", ") + f;
    PrintError("dump", fmt::format("{} {}: not run, prerequisites missing: {} (add --prereqs)",
                                   wiki, opts.date, list));
    return kExitPartial;
  }
  if (!common.quiet)
    std::fprintf(stderr, "dumpworks dump: %s %s: %zu job(s) done, %zu skipped: %s\n", wiki.c_str(),
                 opts.date.c_str(), result.done.size(), result.skipped.size(),
                 result.run_dir.c_str());
  return kExitOk;
}

}  // namespace dw::cli
