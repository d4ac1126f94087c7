// Import: the importDump.php of dumpworks, only fast.
//
// Reads MediaWiki export XML (schema 0.10/0.11, see format/xml_reader.h) from a
// Source and writes it into a MediaWiki 1.39 database (SQLite or MariaDB) so that
// MediaWiki's own scripts read the result: page, revision,
// revision_comment_temp, comment, actor, user, slots, content, content_models,
// slot_roles, text, ip_changes, redirect and site_stats.
//
// Unlike importDump.php it keeps the dump's page, revision and user ids, so a
// re-dump gives back the input. A revision's <origin> is kept: when it names an
// earlier revision, the slot shares that revision's content row, as in the wiki
// the dump came from. Without <origin> (schema 0.10), a revision whose content
// equals the page's previous revision shares its content row, like
// importDump.php does.
//
// Existing pages and revisions (same ids) are reported and skipped, never
// duplicated or overwritten. A page whose title belongs to another page id is
// skipped as a whole.
//
// Transactions: one per batch of about `batch_revisions` revisions, committed
// at a page boundary. On an error the open batch is rolled back; everything
// committed before stays, and ImportStats says how far that was.
//
// Memory: bounded by the largest revision plus small bounded caches.
// Thread-safety: one import per Connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "db/database.h"
#include "format/xml_reader.h"
#include "stream/source.h"

namespace dw::jobs {

struct ImportOptions {
  // Revisions per transaction (committed at the next page end).
  int64_t batch_revisions = 20000;
  // Create the MediaWiki schema when the database has none.
  bool create_schema = true;
  // SQLite: synchronous=OFF and a 64 MiB page cache during the import (restored
  // after). A crash may then lose the last batches but not corrupt the file.
  bool fast_sqlite = true;
  // Write rows on a second thread while the next ones are parsed.
  bool background_writer = true;
};

struct ImportStats {
  int64_t pages = 0;              // pages created
  int64_t pages_updated = 0;      // existing pages that got new revisions
  int64_t pages_skipped = 0;      // pages skipped as a whole (title/id clash)
  int64_t revisions = 0;          // revisions inserted
  int64_t revisions_skipped = 0;  // revisions whose id already existed
  int64_t users = 0;              // user rows created
  uint64_t text_bytes = 0;        // bytes of text inserted
  int64_t shared_content = 0;     // slots that share an earlier revision's content
  // What is safely committed (valid after a failure too).
  int64_t committed_pages = 0;
  int64_t committed_revisions = 0;
  int64_t last_committed_page_id = 0;
  format::XmlReadStats xml;
};

class ImportObserver {
 public:
  virtual ~ImportObserver() = default;
  // Called about once a second from the importing thread.
  virtual void OnProgress(const ImportStats& stats, double seconds) = 0;
};

// Imports the document from `source` (`name` names it in messages) into `conn`.
Status Import(db::Connection& conn, Source& source, std::string_view name,
              const ImportOptions& options, ImportObserver* observer, ImportStats* stats);

// MediaWiki's CommentStore::hash(): crc32(text) ^ crc32(data), as a signed 32-bit value.
int64_t CommentHash(std::string_view text, std::string_view data = {});
// SHA-1 in base 36, 31 digits (MediaWiki's rev_sha1/content_sha1).
std::string Sha1Base36(std::string_view data);
// IPUtils::toHex(): "7F000001" for IPv4, "v6-" + 32 hex digits for IPv6; "" if not an IP.
std::string IpToHex(std::string_view ip);
// "2005-07-07T15:31:37Z" -> "20050707153137"; InvalidArgument otherwise.
Result<std::string> DumpTimestampToDb(std::string_view ts);

}  // namespace dw::jobs
