// RevisionReader: streams a wiki's pages and revisions (with their slots and,
// optionally, their text rows) out of the MediaWiki 1.39 schema, in the order
// dumpBackup.php writes them: by page id, then revision id, slots by role.
//
// Reads in keyset batches of page ids (ExportOptions::batch_size pages per
// batch).
//
// SQLite: each batch is one streaming query joining page, revision, comment,
// actor, slots, content, redirect and (with text) text, so memory is bounded by
// one revision (its text included), whatever the wiki size. On SQLite a batch
// whose revision ids follow the (rev_page, rev_timestamp) index is read in
// index order without a sort (checked on the index first).
//
// MariaDB (revision_reader_mariadb.cc): texts are never sorted by the server.
// Per batch, the (page, revision) keys are read in index order (16 bytes each,
// at most kMaxBatchKeys unless one page alone has more) and sorted by the
// client; then, per group of kGroupRevisions revisions, one query reads their
// metadata (page, revision, comment, actor, slots, content, redirect; by
// primary key, no sort) and, per window of that group whose content_size sum
// stays within kGroupTextBytes (at least one revision), one
// `SELECT ... FROM text WHERE old_id IN (...)` reads their text rows. Every
// query is read to its end before the next one starts, on the caller's
// connection, so all of them see the caller's snapshot. A worker thread does
// these reads, up to two windows ahead of Next(), so the server's reading and
// the caller's formatting overlap. Memory: the batch's keys (<= 16 MiB) + one
// group's metadata + four windows (being read, two ready, being handed out;
// each <= 16 MiB of texts by the declared content_size, or one revision's
// texts when a single revision is bigger): under 100 MiB whatever the wiki.
//
// SQLite read-ahead (RevisionQuery::read_ahead, on by default): a worker
// thread steps the batch queries and copies the rows into chunks of
// RevisionData (up to chunk_revisions revisions or chunk_text_bytes of text,
// at least one revision); Next() hands out a ready chunk's revisions, so
// SQLite's reading overlaps the caller's formatting and writing. Hand-off is
// per chunk (one mutex round trip per chunk, never per revision), and chunks
// come back to a free list with their strings' capacity, so the steady state
// allocates nothing per text. At most read_ahead_bytes of text (and
// read_ahead_bytes / chunk_text_bytes chunks, at least 2) wait in the queue,
// always at least one chunk, so a single huge revision still passes. Memory:
// the queue + the chunk being filled + the chunk being handed out. A thread
// that sleeps (Next() on an empty queue, the worker on a full one) is woken
// once per half queue, not per chunk. An error is
// delivered in order: the revisions read before the failing row first, then
// the error (then again on every later call). Destroying the reader stops the
// worker (checked per revision) and joins it.
//
// Several connections (RevisionQuery::read_connections > 1, SQLite with
// read_ahead): each worker takes the next batch when it has finished one and
// reads it on its own connection into its own queue (bounded as above);
// Next() takes each batch from the queue of the worker that read it
// (base/ordered_queues.h), so revisions come in the same order as with one
// connection and an error still comes after every revision before it. The
// batch bounds are planned once, in order, under a mutex, by whichever worker
// needs them next. With several connections a batch holds about
// batch_text_bytes of text (estimated from the batches read so far; at most
// batch_pages revisions (--current: pages), at least one page): a worker can
// only read ahead by its queue, so batches bigger than that would leave it
// waiting. The extra
// connections begin their read transactions in Open(), while the caller's
// holds the database's SHARED lock: in rollback-journal mode no writer can
// commit in between, so every connection reads the caller's snapshot. In WAL
// mode (no such guarantee without sqlite3_snapshot_open, which Debian's
// SQLite does not build) and for an in-memory or temporary database, one
// connection is used.
//
// The caller owns the snapshot (Connection::BeginSnapshot, before Open()) and
// keeps the connection alive. Not thread-safe. The caller must not use the connection
// from the first Next() until Next() returned nullptr or an error, or the
// reader is destroyed: a worker thread is using it (SQLite with read_ahead,
// MariaDB always). On SQLite the worker uses the caller's connection, so it
// reads the caller's snapshot (the read transaction belongs to the
// connection; connections are opened SQLITE_OPEN_NOMUTEX, i.e. one thread at
// a time, which this contract guarantees).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "db/database.h"

namespace dw::mw {

// MediaWiki's rev_deleted / log_deleted bits.
inline constexpr int kDeletedText = 1;  // DELETED_TEXT (log: DELETED_ACTION)
inline constexpr int kDeletedComment = 2;
inline constexpr int kDeletedUser = 4;
inline constexpr int kDeletedRestricted = 8;

struct SlotData {
  std::string role;  // "main", ...
  int64_t origin = 0;
  std::string model;  // content model name ("" if the id is unknown)
  int64_t model_id = 0;
  int64_t size = 0;
  std::string sha1;
  std::string address;  // content_address, "tt:123"
  // Text row (only when text is loaded): has_text_row false when the address
  // names no text row, or the row is missing.
  bool has_text_row = false;
  std::string text_flags;
  std::string text_raw;  // old_text as stored (maybe compressed, maybe a URL)
};

struct RevisionData {
  // Page
  int64_t page_id = 0;
  int page_ns = 0;
  std::string page_title;  // db key, underscores
  bool page_is_redirect = false;
  int64_t page_latest = 0;
  bool has_redirect_row = false;
  int rd_namespace = 0;
  std::string rd_title;
  std::string rd_interwiki;
  // Revision
  int64_t rev_id = 0;
  int64_t parent_id = 0;
  std::string timestamp;  // 14 digits, YYYYMMDDHHMMSS
  bool minor = false;
  int deleted = 0;
  int64_t user_id = 0;  // actor_user, 0 for NULL
  std::string user_text;
  std::string comment;
  std::string sha1;             // rev_sha1
  std::vector<SlotData> slots;  // main first, then by role name; size() = slot_count
  size_t slot_count = 0;
};

// MariaDB grouping bounds (see above).
inline constexpr size_t kGroupRevisions = 1000;
inline constexpr int64_t kGroupTextBytes = 16 << 20;
inline constexpr size_t kMaxBatchKeys = 1 << 20;

struct RevisionQuery {
  bool current = false;                         // only page_latest (--current)
  bool load_text = true;                        // join the text table
  std::optional<int64_t> page_start, page_end;  // [start, end)
  std::optional<int64_t> rev_start, rev_end;    // [start, end)
  int batch_pages = 10000;
  // MariaDB: revisions per metadata group (at most batch_pages) and content
  // bytes per text window.
  size_t group_revisions = kGroupRevisions;
  int64_t group_text_bytes = kGroupTextBytes;
  // SQLite: read on a worker thread, by chunks (see above). Off: Next() reads
  // on the caller's thread (same revisions, same order).
  // Small on purpose: the texts in flight (<= read_ahead_bytes + 2 chunks)
  // stay in the CPU's caches between the copy and the formatting; 4 MiB
  // chunks and 32 MiB in flight cost the worker 15-20% more CPU (reference
  // wiki x100). 8 chunks in the queue: a thread is woken every 4 chunks.
  bool read_ahead = true;
  size_t chunk_revisions = 64;
  int64_t chunk_text_bytes = 256 << 10;
  int64_t read_ahead_bytes = 2 << 20;
  // SQLite with read_ahead: connections (and worker threads) reading batches
  // at once (see above); 1 where the snapshot cannot be shared.
  int read_connections = 1;
  int64_t batch_text_bytes = 1 << 20;
};

class RevisionReader {
 public:
  static Result<std::unique_ptr<RevisionReader>> Open(db::Connection& conn,
                                                      const RevisionQuery& query);
  ~RevisionReader();

  // The next revision, or nullptr at the end. The pointee stays valid until the
  // next call.
  Result<const RevisionData*> Next();

  // Largest page id in the range (for progress/ETA); 0 if unknown.
  int64_t max_page_id() const { return max_page_id_; }
  // Connections reading (SQLite: read_connections, or 1 where the snapshot
  // cannot be shared).
  size_t connections() const { return std::max<size_t>(1, shards_.size()); }

  // Batch by batch, for a caller that runs its own threads (SQLite only; not
  // together with Next()): batch k (0, 1, 2 ...) of the plan, read on
  // connection w < connections(). StartBatch opens batch k on connection w
  // (!*exists: past the last batch); NextInBatch gives its revisions in dump
  // order, *done after the last. Each connection is used by one thread at a
  // time; different connections at once. Each connection asks for batches
  // in increasing order (the plan forgets batches below every connection's
  // last). An error leaves the connection's batch unusable.
  Status StartBatch(size_t w, size_t k, bool* exists);
  Status NextInBatch(size_t w, RevisionData* out, bool* done);

 private:
  RevisionReader(db::Connection& conn, RevisionQuery query);
  static constexpr size_t kPageIdColumn = 0, kRevIdColumn = 5;  // in the metadata columns
  Status Init();
  Status InitPageRange();
  Status InitConnections();
  // The page id `count` pages (or, by_revisions, about `count` revisions) on
  // from `from`: the end of the batch that starts there.
  Status FindBatchEnd(db::Connection& conn, int64_t from, int64_t count, bool by_revisions,
                      int64_t* hi);
  Status FindBatchEnd(int64_t* hi);  // MariaDB: from next_page_, batch_pages pages

  // SQLite: one connection's reading state: the caller's connection (shard 0)
  // or a read-ahead worker's own.
  struct Shard {
    db::Connection* conn = nullptr;
    std::unique_ptr<db::Connection> owned;  // shards after the first; outlives `cursor`
    std::unique_ptr<db::Cursor> cursor;
    bool have_pending_row = false;  // cursor is positioned on the next revision's first row
    bool in_batch = false;          // sequential reads: batch next_batch is open
    size_t next_batch = 0;
    int64_t revs_read = 0, text_bytes_read = 0;  // since the plan last counted them
  };
  struct Plan;  // the batch bounds (revision_reader.cc)
  // Bounds of batch k ([*lo, *hi)); !*exists past the last. Shard w asks.
  Status BatchRange(Shard& s, size_t w, size_t k, int64_t* lo, int64_t* hi, bool* exists);
  Status OpenBatch(Shard& s, size_t w, size_t k, bool* exists);
  // The shard's next revision in its open batch; *done when the batch has no more.
  Status ReadInBatch(Shard& s, RevisionData* out, bool* done);
  // SQLite without read-ahead: the next revision into `out`; `*end` when
  // there is none. Errors are final.
  Status ReadOne(RevisionData* out, bool* end);
  Status ReadSequential(RevisionData* out, bool* end);
  // SQLite read-ahead.
  struct Pipeline;
  void ReadChunks(size_t w);  // worker w's thread
  Result<const RevisionData*> NextPiped();
  // Fills `out` from a row of the metadata (+ text) columns.
  void FillFromRow(const db::Row& row, bool new_revision, bool with_text, RevisionData* out) const;
  static void SortSlots(RevisionData* rev);

  // MariaDB, grouped reads (revision_reader_mariadb.cc).
  struct Grouped;
  Status InitGrouped(const std::string& meta, const std::string& joins,
                     const std::string& rev_range);
  Status LoadKeys(bool* any);
  Status LoadGroup();
  Status LoadTexts();
  Status ReadWindow(std::vector<RevisionData>* out, bool* end);
  void ReadAhead();  // the worker thread
  Result<const RevisionData*> NextGrouped();

  db::Connection& conn_;
  RevisionQuery q_;
  std::string sql_;
  // SQLite, all revisions: the batch query without a sort, and the check that
  // allows it (see Init()). Empty otherwise.
  std::string sql_in_order_, sql_order_check_;
  // content_models / slot_roles names by id (ids are small: a vector).
  struct NameTable {
    std::vector<std::string> names;
    std::vector<uint8_t> known;
    std::unordered_map<int64_t, std::string> large;  // ids outside [0, kMaxDense)
    static constexpr int64_t kMaxDense = 1 << 16;
    const std::string* Find(int64_t id) const;
  };
  static Status LoadNameTable(db::Connection& conn, std::string_view sql, NameTable* out);
  NameTable models_, roles_;
  int64_t next_page_ = 0;  // first page id of the (MariaDB: next) batch
  int64_t max_page_id_ = 0;
  bool exhausted_ = false;
  Status error_;  // SQLite: the first error, returned ever after
  RevisionData rev_;
  struct PlanDeleter {
    void operator()(Plan* p) const;
  };
  std::unique_ptr<Plan, PlanDeleter> plan_;  // SQLite
  std::vector<Shard> shards_;                // SQLite; [0] reads on conn_
  std::unique_ptr<Grouped> grouped_;         // set on MariaDB
  struct PipelineDeleter {                   // joins the worker (revision_reader.cc)
    void operator()(Pipeline* p) const;
  };
  // Set on SQLite with read_ahead. Declared last: destroyed (the worker
  // stopped and joined) before the cursor and everything else it uses.
  std::unique_ptr<Pipeline, PipelineDeleter> pipe_;
};

// Log items (--logs), like WikiExporter::dumpLogs: by log_id, without the
// 'suppress' log.
struct LogItemData {
  int64_t id = 0;
  std::string type, action, timestamp;
  int ns = 0;
  std::string title, params;
  int deleted = 0;
  bool user_is_null = false;
  int64_t user_id = 0;
  std::string user_text;
  std::string comment;
};

class LogReader {
 public:
  static Result<std::unique_ptr<LogReader>> Open(db::Connection& conn, std::optional<int64_t> start,
                                                 std::optional<int64_t> end, int batch = 10000);
  Result<const LogItemData*> Next();

 private:
  LogReader(db::Connection& conn) : conn_(conn) {}
  db::Connection& conn_;
  std::optional<int64_t> end_;
  int batch_ = 10000;
  int64_t last_id_ = 0;
  int in_batch_ = 0;
  bool done_ = false;
  std::string sql_;
  std::unique_ptr<db::Cursor> cursor_;
  LogItemData item_;
};

}  // namespace dw::mw
