// Export: the dumpBackup.php of dumpworks. Reads pages, revisions and texts of one
// wiki from one consistent database snapshot and writes MediaWiki export XML
// (schema 0.10 or 0.11) to one or more outputs in ONE pass over the database,
// each output with its own filters (the stubs job writes stub-meta-history,
// stub-meta-current and stub-articles this way).
//
// Output is byte-identical to MediaWiki 1.39's: the one-pass form of
// dumpBackup.php, or the two-pass form of dumpBackup.php --stub + dumpTextPass.php
// (the form Wikimedia publishes). One writer makes both.
//
// Bad rows (corrupt blob, missing text row, unknown content model) do not stop
// an export: they are written the way MediaWiki writes them, reported in
// ExportStats::problems, and make Export() return OK with problems non-empty.
// Errors that stop it (database gone, output failed) are the returned Status.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "db/database.h"
#include "mw/external_store.h"
#include "mw/siteinfo.h"
#include "stream/sink.h"

namespace dw::jobs {

enum class History {
  kFull,     // every revision (--full)
  kCurrent,  // the latest revision of each page (--current)
  kLogs,     // log items (--logs) instead of pages
};

enum class Form {
  kOnePass,  // dumpBackup.php's bytes (default)
  kTwoPass,  // dumpTextPass.php's bytes: &quot;, <minor />, no final newline ...
};

// One output of an export: a sink and the filters that select what reaches it.
struct ExportOutput {
  Sink* sink = nullptr;  // not owned; Export() does not Close() it

  // dumpBackup.php's --filter values, in order: "latest", "notalk",
  // "namespace:0,1,NS_USER", "namespace:!NS_USER" (names or numbers).
  std::vector<std::string> filters;

  // Ends a unit (sink->EndUnit) after the header and before the footer, so that
  // the header, the body and the footer are separate gzip members / bz2 streams
  // and part files can be joined by plain concatenation.
  bool separate_header_footer = false;

  // Multistream: if > 0, ends a unit every this many pages (Wikimedia: 100) and
  // reports every page written with the offset of the unit that holds it, for
  // the "offset:pageid:title" index. Calls are in page order.
  int pages_per_unit = 0;
  std::function<void(uint64_t unit_offset, int64_t page_id, std::string_view title)> on_page_index;
};

struct ExportOptions {
  History history = History::kFull;
  bool stub = false;                    // --stub: no text, <text location=.. id=.. />
  std::optional<int64_t> start;         // --start: first page id (log id with kLogs), inclusive
  std::optional<int64_t> end;           // --end: page id (log id) to stop before, exclusive
  std::optional<int64_t> rev_start;     // --revrange --revstart (inclusive)
  std::optional<int64_t> rev_end;       // --revrange --revend (exclusive)
  std::string schema_version = "0.11";  // "0.10" or "0.11"
  Form form = Form::kOnePass;
  bool write_header = true;  // <mediawiki ...><siteinfo>...</siteinfo>
  bool write_footer = true;  // </mediawiki>
  // Where `external` text blobs (DB://cluster/id) are read from (not owned;
  // used from the exporting thread only); nullptr: such revisions are reported
  // as problems and written without text.
  mw::ExternalStore* external_store = nullptr;
  // Rows per database batch (keyset pagination); memory stays bounded by this.
  int batch_size = 10000;
  // SQLite: read the database on a worker thread, ahead of the formatting
  // (mw::RevisionQuery::read_ahead). Same output either way.
  bool read_ahead = true;
  // SQLite with read_ahead: connections reading batches at once, each on its
  // own thread (mw::RevisionQuery::read_connections; 1 where the snapshot
  // cannot be shared, e.g. WAL mode). Same output whatever the number.
  int read_connections = 1;
};

// A revision (or log item) that could not be written as it should.
struct ExportProblem {
  int64_t rev_id = 0;  // or log id
  std::string reason;  // "corrupt gzip blob in text row 123", "missing text row 77", ...
};

struct ExportStats {
  int64_t pages = 0;      // pages read (like dumpBackup.php's progress: before filters)
  int64_t revisions = 0;  // revisions read
  int64_t logitems = 0;
  uint64_t text_bytes = 0;
  std::vector<ExportProblem> problems;
};

// Progress reports, called from the exporting thread every few thousand revisions.
class ExportObserver {
 public:
  virtual ~ExportObserver() = default;
  // max_page_id / max_rev_id: for an ETA (0 if unknown).
  virtual void OnProgress(const ExportStats& stats, int64_t last_page_id, int64_t max_page_id) = 0;
};

// Runs one export over `conn` (taking its own snapshot: conn must be idle).
// REQUIRES: every output's sink is set; options are valid (see ValidateExportOptions).
Status Export(db::Connection& conn, const mw::SiteInfo& site, const ExportOptions& options,
              std::vector<ExportOutput>& outputs, ExportObserver* observer, ExportStats* stats);

// Checks option combinations and filter syntax; one line naming the bad value.
// With `site`, namespace names in filters are checked against its namespaces
// (without, only numbers and NS_* constants are known).
Status ValidateExportOptions(const ExportOptions& options, const std::vector<ExportOutput>& outputs,
                             const mw::SiteInfo* site = nullptr);

}  // namespace dw::jobs
