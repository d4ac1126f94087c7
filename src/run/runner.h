// RunDump: one whole dump run of one wiki, as worker.py does it, resumable.
//
//   <public>/<wiki>/<date>/   the published files, dumpruninfo.txt/.json,
//                             dumpstatus.json, report.json, md5/sha1 sums,
//                             index.html, status.html
//   <public>/<wiki>/latest/   relative links to the newest files, RSS feeds
//   <private>/<wiki>/lock_<date>               the run lock (run/lock.h)
//   <private>/<wiki>/<date>/plan.json          parts and page ranges, frozen at
//                                              the first run of the date
//   <private>/<wiki>/<date>/files/<name>.json  per published file: size, md5,
//                                              sha1 and unit offsets (header end,
//                                              footer start) used by recombines
//
// Every output is written as NAME.inprog, closed, checked (complete compressed
// stream, XML ending with </mediawiki>), then renamed. A rerun of the same date
// (after a crash, a failure, a full disk) redoes only the jobs not done, and in
// a job only the part/page-range files that do not exist; outputs are
// deterministic, so the published files are byte-identical to an uninterrupted
// run's.
//
// Thread-safety: RunDump may be called from one thread; it runs parts on
// worker threads, each with its own WikiData.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "env/env.h"
#include "run/jobs.h"
#include "run/wiki.h"

namespace dw::run {

// The run's settings, from the config file (docs/config.md).
struct RunSettings {
  std::string public_dir = "/dumps/public";
  std::string private_dir = "/dumps/private";
  std::string temp_dir = "/dumps/temp";
  std::string webroot = "http://download.wikimedia.org";
  std::string templatedir;                // report.html / feed.xml overrides
  std::string index_name = "index.html";  // [output] index (site-wide page)
  std::string perdumpindex = "index.html";
  int keep = 3;                         // [cleanup] keep
  int64_t staleage = 3600;              // [reporting] staleage
  bool chunks = false;                  // [chunks] chunksEnabled
  std::vector<int64_t> pages_per_part;  // [chunks] pagesPerChunkHistory
  int64_t revs_per_job = 1000000;       // [chunks] revsPerJob
  bool checkpoint = false;              // [chunks] checkpointTime != 0: page ranges
  int64_t pagelog_parts = 0;            // [chunks] chunksForPagelogs (0: one file)
  int64_t logitems_per_part = 0;        // [chunks] logitemsPerPagelogs (0: from the above)
  bool recombine_history = true;
  bool recombine_meta_current = true;
  bool multistream = false;           // [otherformats] multistream
  std::vector<std::string> skipjobs;  // [misc] skipjobs
  std::string sevenzip = "7za";       // [tools] sevenzip
  int threads = 0;                    // parallel parts; 0 = all cores
  std::vector<std::string> tables;    // table jobs (when a table dumper is wired in)

  static Result<RunSettings> FromConfig(const config::Config& config, std::string_view wiki);
  JobListOptions JobOptions() const;
};

struct DumpOptions {
  std::string wiki;
  std::string date;                   // YYYYMMDD (see ResolveDate)
  std::vector<std::string> jobs;      // --job: only these (and pseudo-jobs noop,
                                      // latestlinks, createdirs); empty: all
  std::vector<std::string> skipjobs;  // --skipjobs
  bool skipdone = false;              // --skipdone
  bool prereqs = false;               // --prereqs
  bool dryrun = false;                // --dryrun: print what would run, touch nothing
  bool force = false;                 // --force: take the lock even if held
  // Terminal progress ("\r" lines); called from worker threads, serialised.
  std::function<void(std::string_view line)> on_progress;
  // Lines printed by --dryrun.
  std::function<void(std::string_view line)> on_dryrun;
};

struct DumpResult {
  std::vector<std::string> done, failed, skipped, waiting;
  std::string run_dir;
};

// "today" (UTC), "last" (the newest run directory of the wiki) or YYYYMMDD.
Result<std::string> ResolveDate(Env* env, const RunSettings& settings, std::string_view wiki,
                                std::string_view arg);

// Runs the dump. Returns OK when the run went through (even if jobs failed:
// see result->failed); an error when it could not run at all (lock held, bad
// job name, unwritable directory), with one line naming the thing.
Status RunDump(Env* env, const RunSettings& settings, const DumpOptions& options,
               const WikiDataFactory& wiki_data, DumpResult* result);

// "name  description" lines of the job list for these settings (--list-jobs).
std::vector<std::string> ListJobs(const RunSettings& settings);

}  // namespace dw::run
