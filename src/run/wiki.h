// WikiData: what a dump run reads from one wiki. The runner never talks to a
// database directly; it asks a WikiData, so runs can be tested against a fake
// wiki (testing/fake_wiki.h) and run for real over db::Connection + jobs::Export
// (run/wiki_db.h).
//
// Thread-safety: one WikiData per thread. The runner makes one per worker thread
// with a WikiDataFactory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "jobs/export.h"
#include "stream/sink.h"

namespace dw::run {

class WikiData {
 public:
  virtual ~WikiData() = default;

  // The highest page id (0 for an empty wiki) and log id.
  virtual Result<int64_t> MaxPageId() = 0;
  virtual Result<int64_t> MaxLogId() = 0;
  // Calls fn(page_id, revision_count) for every page with first <= id <= last, in
  // id order (used to cut page ranges of about revsPerJob revisions).
  virtual Status RevisionCounts(int64_t first, int64_t last,
                                const std::function<void(int64_t, int64_t)>& fn) = 0;
  // Calls fn(namespace, db key) for every page (ns0_only: main namespace only),
  // ordered by (namespace, title) as the name_title index gives them.
  virtual Status Titles(bool ns0_only,
                        const std::function<Status(int ns, std::string_view title)>& fn) = 0;
  // The api.php siteinfo answer (siprop=general|namespaces|namespacealiases|magicwords)
  // in formatversion 1 or 2.
  virtual Result<std::string> SiteInfoJson(int formatversion) = 0;
  // Writes one table as a mysqldump-style SQL file (header, table, footer) to
  // `out` (see jobs/sqldump.h). NotSupported when the wiki has no SQL tables.
  virtual Status DumpTable(std::string_view table, Sink* out) = 0;
  // Runs one export (see jobs/export.h).
  virtual Status Export(const jobs::ExportOptions& options,
                        std::vector<jobs::ExportOutput>& outputs, jobs::ExportObserver* observer,
                        jobs::ExportStats* stats) = 0;
};

using WikiDataFactory = std::function<Result<std::unique_ptr<WikiData>>()>;

}  // namespace dw::run
