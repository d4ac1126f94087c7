// SQL table dumps: what `mariadb-dump --opt --quick --skip-add-locks
// --skip-lock-tables DB TABLE` writes, made faster, for the dump run's
// `<table>table` jobs (`<wiki>-<date>-<table>.sql.gz`) and `dumpworks sqldump`.
//
//   auto snap = SqlSnapshot::Open(spec, /*connections=*/2);   // once per wiki
//   if (!*(*snap)->connection(0).TableExists("page")) -> skip the job, say so
//   DumpSqlTableFile(**snap, "page", options, sink);           // header+table+footer
//
// Consistency: every table read through one SqlSnapshot comes from the same
// point in time, however many connections read it (see SqlSnapshot::Open).
// Speed: a large table whose primary key starts with an integer column is read
// as primary-key ranges by all the snapshot's connections in parallel; the
// ranges are written to the Sink in key order, each ending a unit (one gzip
// member per range when the Sink is a stream/compress.h compressor, as
// stream::OpenOutput("gzip:PATH") builds). Memory: at most
// (connections + 1) ranges are in flight, each holding at most `range_bytes`
// + 1 MiB of text (a worker pauses while its range has that much unwritten).
// Failure: any error (a lost connection included) fails the table; nothing is
// retried on a new connection, since that could not join the snapshot. The
// caller publishes the output only when this returned OK.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "db/database.h"
#include "format/sql_writer.h"
#include "stream/sink.h"

namespace dw::jobs {

// Wikimedia's public tables, in the order the dump run lists them.
std::span<const std::string_view> DefaultSqlDumpTables();

struct SqlDumpOptions {
  // Statement split threshold, as mariadb-dump's --net-buffer-length.
  size_t net_buffer_length = format::kDefaultNetBufferLength;
  // Target size of the SQL text of one primary-key range.
  uint64_t range_bytes = 4 << 20;
  // Tables smaller than this (estimated) are read in one query.
  uint64_t min_split_bytes = 16 << 20;
};

// Connections that all read one consistent snapshot of a wiki's database.
class SqlSnapshot {
 public:
  // Opens `connections` connections (>= 1). With more than one, the snapshots
  // are made identical the way mydumper does: FLUSH TABLES WITH READ LOCK on a
  // control connection (no commit can happen), START TRANSACTION WITH
  // CONSISTENT SNAPSHOT on every connection, UNLOCK TABLES. Without the
  // RELOAD privilege this falls back to one connection, with a warning.
  static Result<std::unique_ptr<SqlSnapshot>> Open(const db::DbSpec& spec, int connections);
  ~SqlSnapshot();

  size_t size() const { return conns_.size(); }
  db::Connection& connection(size_t i) { return *conns_[i]; }
  const format::SqlDumpHeader& header() const { return header_; }

 private:
  SqlSnapshot() = default;
  std::vector<std::unique_ptr<db::Connection>> conns_;
  format::SqlDumpHeader header_;
};

struct SqlTableStats {
  uint64_t rows = 0;
  uint64_t bytes = 0;  // SQL text written
  size_t ranges = 0;   // primary-key ranges (1 when read in one query)
  double seconds = 0;
};

// Writes one table's structure and data (no dump header/footer) to `out`.
// The table name is unprefixed ("page"); the dump uses the prefixed name.
// A missing table fails with NotFound naming it.
Result<SqlTableStats> DumpSqlTable(SqlSnapshot& snap, std::string_view table,
                                   const SqlDumpOptions& options, Sink* out);

// The dump header, for the first table of a file.
Status WriteSqlDumpHeader(SqlSnapshot& snap, Sink* out);
// The dump footer ("-- Dump completed on <now>"), for the end of a file.
Status WriteSqlDumpFooter(Sink* out);

// Header + DumpSqlTable + footer: one `<wiki>-<date>-<table>.sql.gz`. Does not Close() out.
Result<SqlTableStats> DumpSqlTableFile(SqlSnapshot& snap, std::string_view table,
                                       const SqlDumpOptions& options, Sink* out);

}  // namespace dw::jobs
