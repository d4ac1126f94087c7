#include "jobs/sqldump.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "db/mariadb.h"
#include "mw/schema.h"

namespace dw::jobs {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kDefaultTables[] = {"site_stats",
                                               "page",
                                               "page_props",
                                               "page_restrictions",
                                               "pagelinks",
                                               "categorylinks",
                                               "category",
                                               "templatelinks",
                                               "externallinks",
                                               "langlinks",
                                               "iwlinks",
                                               "redirect",
                                               "user_groups",
                                               "user_former_groups",
                                               "image",
                                               "imagelinks",
                                               "protected_titles",
                                               "change_tag",
                                               "change_tag_def",
                                               "linktarget",
                                               "geo_tags",
                                               "sites"};

// Reads all rows of a one-column-or-more query into a vector of strings.
Result<std::vector<std::vector<std::string>>> QueryAll(db::Connection& c, std::string_view sql,
                                                       std::span<const db::Value> params = {}) {
  DW_ASSIGN_OR_RETURN(auto cur, c.Query(sql, params));
  std::vector<std::vector<std::string>> rows;
  for (;;) {
    DW_ASSIGN_OR_RETURN(bool more, cur->Next());
    if (!more) break;
    const db::Row& r = cur->row();
    std::vector<std::string> row;
    for (size_t i = 0; i < r.size(); ++i) row.emplace_back(r.Bytes(i));
    rows.push_back(std::move(row));
  }
  return rows;
}

bool IsIntegerType(std::string_view t) {
  return t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" || t == "bigint";
}

struct TableInfo {
  std::string name;  // prefixed
  std::string quoted;
  std::string create_table;
  std::vector<format::SqlColumn> columns;
  std::vector<std::string> pk;  // primary key columns, in order
  bool pk_first_is_int = false;
  uint64_t est_bytes = 0;
};

// A SQLite source: the columns from PRAGMA table_info, the MariaDB definition
// of the MediaWiki table from mw/schema (SQLite has no SHOW CREATE TABLE).
Result<TableInfo> LoadSqliteTableInfo(db::Connection& c, std::string_view table) {
  TableInfo t;
  t.name = c.spec().prefix + std::string(table);
  t.quoted = db::QuoteMariaDbIdentifier(t.name);
  DW_ASSIGN_OR_RETURN(bool exists, c.TableExists(table));
  if (!exists) {
    return Status::NotFound(
        fmt::format("{}: table {} does not exist", c.spec().Describe(), t.name));
  }
  auto create = mw::CreateTableSql(db::Backend::kMariaDB, table, c.spec().prefix);
  if (!create.ok()) {
    return Status::NotSupported(
        fmt::format("{}: table {}: no MariaDB definition for it (not a MediaWiki 1.39 table)",
                    c.spec().Describe(), t.name));
  }
  t.create_table = *create;
  while (!t.create_table.empty() &&
         (t.create_table.back() == ';' || t.create_table.back() == '\n')) {
    t.create_table.pop_back();
  }
  std::string pragma = "PRAGMA table_info(\"" + t.name + "\")";
  DW_ASSIGN_OR_RETURN(auto cols, QueryAll(c, pragma));
  for (auto& r : cols) {
    std::string type = r[2];
    for (char& ch : type) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    bool number = type.find("INT") != std::string::npos || type.find("REAL") != std::string::npos ||
                  type.find("FLOA") != std::string::npos ||
                  type.find("DOUB") != std::string::npos ||
                  type.find("DECIMAL") != std::string::npos;
    t.columns.push_back(number ? format::SqlColumn::kNumber : format::SqlColumn::kString);
  }
  return t;
}

Result<TableInfo> LoadTableInfo(db::Connection& c, std::string_view table) {
  if (c.backend() == db::Backend::kSqlite) return LoadSqliteTableInfo(c, table);
  TableInfo t;
  t.name = c.spec().prefix + std::string(table);
  t.quoted = db::QuoteMariaDbIdentifier(t.name);
  db::Value p[] = {std::string_view(t.name)};
  DW_ASSIGN_OR_RETURN(
      auto cols, QueryAll(c,
                          "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE "
                          "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                          p));
  if (cols.empty()) {
    return Status::NotFound(
        fmt::format("{}: table {} does not exist", c.spec().Describe(), t.name));
  }
  std::map<std::string, std::string> types;
  for (auto& r : cols) {
    t.columns.push_back(format::SqlColumnForType(r[1]));
    types[r[0]] = r[1];
  }
  DW_ASSIGN_OR_RETURN(auto create, QueryAll(c, "SHOW CREATE TABLE " + t.quoted));
  if (create.empty() || create[0].size() < 2) {
    return Status::IOError(
        fmt::format("{}: SHOW CREATE TABLE {} returned nothing", c.spec().Describe(), t.name));
  }
  t.create_table = create[0][1];
  DW_ASSIGN_OR_RETURN(auto pk, QueryAll(c,
                                        "SELECT COLUMN_NAME FROM information_schema.STATISTICS "
                                        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND "
                                        "INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
                                        p));
  for (auto& r : pk) t.pk.push_back(r[0]);
  if (!t.pk.empty()) t.pk_first_is_int = IsIntegerType(types[t.pk[0]]);
  DW_ASSIGN_OR_RETURN(auto est, QueryAll(c,
                                         "SELECT COALESCE(DATA_LENGTH, 0) FROM "
                                         "information_schema.TABLES WHERE TABLE_SCHEMA = "
                                         "DATABASE() AND TABLE_NAME = ?",
                                         p));
  if (!est.empty()) t.est_bytes = std::strtoull(est[0][0].c_str(), nullptr, 10);
  return t;
}

std::string SelectSql(const TableInfo& t) {
  return "SELECT /*!40001 SQL_NO_CACHE */ * FROM " + t.quoted;
}

std::string RangeSql(const TableInfo& t, int64_t lo, int64_t hi) {
  std::string order;
  for (auto& c : t.pk) order += (order.empty() ? "" : ",") + db::QuoteMariaDbIdentifier(c);
  return fmt::format("{} WHERE {} BETWEEN {} AND {} ORDER BY {}", SelectSql(t),
                     db::QuoteMariaDbIdentifier(t.pk[0]), lo, hi, order);
}

// Formats every row of `sql` into `text`; when `flush` is set it is called
// with the text whenever it grows past 1 MiB (streaming), else all is kept.
Status FormatRows(db::Connection& c, const std::string& sql, format::SqlInsertFormatter* fmt,
                  std::string* text, const std::function<Status(std::string*)>& flush) {
  DW_ASSIGN_OR_RETURN(auto cur, c.Query(sql));
  for (;;) {
    DW_ASSIGN_OR_RETURN(bool more, cur->Next());
    if (!more) break;
    fmt->AddRow(cur->row(), text);
    if (flush && text->size() >= (1 << 20)) DW_RETURN_IF_ERROR(flush(text));
  }
  fmt->Finish(text);
  return Status::OK();
}

class Progress {
 public:
  Progress(std::string table, size_t units) : table_(std::move(table)), units_(units) {}
  void Update(size_t done, uint64_t rows, uint64_t bytes) {
    auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(5)) return;
    last_ = now;
    double s = std::chrono::duration<double>(now - start_).count();
    double eta = done ? s * (static_cast<double>(units_) / done - 1) : 0;
    LogInfo("sqldump {}: {}/{} ranges, {} rows, {:.1f} MB, {:.0f} rows/s, ETA {:.0f} s", table_,
            done, units_, rows, bytes / 1e6, rows / std::max(s, 1e-3), eta);
  }
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  std::string table_;
  size_t units_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
};

}  // namespace

std::span<const std::string_view> DefaultSqlDumpTables() { return kDefaultTables; }

Result<std::unique_ptr<SqlSnapshot>> SqlSnapshot::Open(const db::DbSpec& spec, int connections) {
  std::unique_ptr<SqlSnapshot> snap(new SqlSnapshot());
  connections = std::max(connections, 1);
  if (spec.backend == db::Backend::kSqlite) {
    // One connection: a SQLite read transaction is its snapshot.
    db::DbSpec ro = spec;
    ro.read_only = true;
    DW_ASSIGN_OR_RETURN(auto c, db::Connect(ro));
    DW_RETURN_IF_ERROR(c->BeginSnapshot());
    snap->header_.host = "localhost";
    snap->header_.database = spec.path.substr(spec.path.rfind('/') + 1);
    snap->header_.server_version = c->ServerVersion();
    snap->conns_.push_back(std::move(c));
    return snap;
  }
  std::unique_ptr<db::Connection> control;
  if (connections > 1) {
    DW_ASSIGN_OR_RETURN(control, db::ConnectMariaDb(spec));
    Status st = control->Exec("FLUSH TABLES WITH READ LOCK");
    if (!st.ok()) {
      LogWarn(
          "sqldump: {}; reading with one connection (parallel reads need the RELOAD "
          "privilege to share one snapshot)",
          st.message());
      connections = 1;
      control.reset();
    }
  }
  Status failed;
  for (int i = 0; i < connections && failed.ok(); ++i) {
    auto c = db::ConnectMariaDb(spec);
    if (!c.ok()) {
      failed = c.status();
      break;
    }
    failed = (*c)->BeginSnapshot();
    snap->conns_.push_back(std::move(*c));
  }
  if (control) {
    Status st = control->Exec("UNLOCK TABLES");
    if (failed.ok()) failed = st;
  }
  DW_RETURN_IF_ERROR(failed);
  snap->header_.host =
      spec.socket.empty() ? (spec.host.empty() ? "localhost" : spec.host) : "localhost";
  snap->header_.database = spec.dbname;
  DW_ASSIGN_OR_RETURN(auto v, QueryAll(*snap->conns_[0], "SELECT VERSION()"));
  if (!v.empty()) snap->header_.server_version = v[0][0];
  LogDebug("sqldump: snapshot of {} on {} connection(s)", spec.Describe(), snap->conns_.size());
  return snap;
}

SqlSnapshot::~SqlSnapshot() {
  for (auto& c : conns_) (void)c->Rollback();
}

Status WriteSqlDumpHeader(SqlSnapshot& snap, Sink* out) {
  std::string text;
  format::AppendSqlHeader(snap.header(), &text);
  return out->Append(text);
}

Status WriteSqlDumpFooter(Sink* out) {
  std::string text;
  format::AppendSqlFooter(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count(),
                          &text);
  return out->Append(text);
}

Result<SqlTableStats> DumpSqlTable(SqlSnapshot& snap, std::string_view table,
                                   const SqlDumpOptions& options, Sink* out) {
  db::Connection& c0 = snap.connection(0);
  DW_ASSIGN_OR_RETURN(TableInfo t, LoadTableInfo(c0, table));
  SqlTableStats stats;
  Progress progress(t.name, 1);

  std::string text;
  format::AppendSqlTableStructure(t.name, t.create_table, &text);
  format::AppendSqlDataBegin(t.name, &text);

  // Primary-key ranges when the table is big and there is an integer key.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  if (t.pk_first_is_int && snap.size() > 1 && t.est_bytes >= options.min_split_bytes) {
    std::string pk = db::QuoteMariaDbIdentifier(t.pk[0]);
    DW_ASSIGN_OR_RETURN(
        auto mm, QueryAll(c0, fmt::format("SELECT MIN({0}), MAX({0}) FROM {1}", pk, t.quoted)));
    int64_t lo = 0, hi = 0;
    // Keys outside int64 (BIGINT UNSIGNED above 2^63) or an empty table: one query.
    auto parse = [](const std::string& s, int64_t* v) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
      return ec == std::errc() && p == s.data() + s.size();
    };
    if (!mm.empty() && parse(mm[0][0], &lo) && parse(mm[0][1], &hi) && hi >= lo &&
        hi - lo < (int64_t{1} << 62)) {
      uint64_t n = std::max<uint64_t>(1, t.est_bytes / std::max<uint64_t>(options.range_bytes, 1));
      uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
      n = std::min<uint64_t>(n, span);
      uint64_t width = (span + n - 1) / n;
      for (uint64_t i = 0; i < n; ++i) {
        int64_t a = lo + static_cast<int64_t>(i * width);
        if (a > hi) break;
        int64_t b = std::min<int64_t>(hi, a + static_cast<int64_t>(width) - 1);
        ranges.emplace_back(a, b);
      }
    }
  }

  if (ranges.size() <= 1) {
    // One query, streamed into the sink as it is formatted.
    format::SqlInsertFormatter f(t.name, t.columns, options.net_buffer_length);
    std::string sql =
        ranges.empty() ? SelectSql(t) : RangeSql(t, ranges[0].first, ranges[0].second);
    auto flush = [&](std::string* buf) -> Status {
      stats.bytes += buf->size();
      Status st = out->Append(*buf);
      buf->clear();
      progress.Update(0, f.rows(), stats.bytes);
      return st;
    };
    DW_RETURN_IF_ERROR(FormatRows(c0, sql, &f, &text, flush).WithContext(t.name));
    stats.rows = f.rows();
    stats.ranges = 1;
    format::AppendSqlDataEnd(t.name, &text);
    stats.bytes += text.size();
    DW_RETURN_IF_ERROR(out->Append(text));
    stats.seconds = progress.Seconds();
    return stats;
  }

  // Parallel ranges: workers format ranges in 1 MiB chunks; this thread writes
  // them in range order. A range's worker waits while `cap` bytes of its
  // chunks are unwritten, so memory stays bounded even for uneven keys.
  stats.bytes += text.size();
  DW_RETURN_IF_ERROR(out->Append(text));
  DW_RETURN_IF_ERROR(out->EndUnit(nullptr));
  const size_t nranges = ranges.size();
  const size_t window = snap.size() + 1;  // ranges claimed but not yet written
  const uint64_t cap = std::max<uint64_t>(options.range_bytes, 1 << 20);
  Progress rprogress(t.name, nranges);
  struct Piece {
    std::deque<std::string> chunks;
    uint64_t bytes = 0;  // in chunks
    uint64_t rows = 0;
    bool complete = false;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::map<size_t, Piece> pieces;
  size_t written = 0;
  size_t next = 0;
  Status failure;
  auto worker = [&](db::Connection* conn) {
    for (;;) {
      size_t r;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !failure.ok() || next >= nranges || next < written + window; });
        if (!failure.ok() || next >= nranges) return;
        r = next++;
        pieces[r];
      }
      auto push = [&](std::string* buf) -> Status {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !failure.ok() || pieces[r].bytes < cap; });
        if (!failure.ok()) return Status::Aborted(t.name + ": another range failed");
        pieces[r].bytes += buf->size();
        pieces[r].chunks.push_back(std::move(*buf));
        buf->clear();
        cv.notify_all();
        return Status::OK();
      };
      std::string buf;
      format::SqlInsertFormatter f(t.name, t.columns, options.net_buffer_length);
      Status st = FormatRows(*conn, RangeSql(t, ranges[r].first, ranges[r].second), &f, &buf, push)
                      .WithContext(t.name);
      std::lock_guard lock(mu);
      if (!st.ok()) {
        if (failure.ok()) failure = st;  // the first failure is the cause
      } else {
        Piece& p = pieces[r];
        p.bytes += buf.size();
        p.chunks.push_back(std::move(buf));
        p.rows = f.rows();
        p.complete = true;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 0; i < std::min(snap.size(), nranges); ++i) {
    threads.emplace_back(worker, &snap.connection(i));
  }
  Status result;
  while (written < nranges) {
    std::string chunk;
    bool range_done = false;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] {
        if (!failure.ok()) return true;
        auto it = pieces.find(written);
        return it != pieces.end() && (!it->second.chunks.empty() || it->second.complete);
      });
      if (!failure.ok()) {
        result = failure;
        break;
      }
      Piece& p = pieces[written];
      if (!p.chunks.empty()) {
        chunk = std::move(p.chunks.front());
        p.chunks.pop_front();
        p.bytes -= chunk.size();
      } else {
        stats.rows += p.rows;
        pieces.erase(written);
        range_done = true;
      }
      cv.notify_all();
    }
    stats.bytes += chunk.size();
    Status st = out->Append(chunk);
    if (st.ok() && range_done) st = out->EndUnit(nullptr);
    std::lock_guard lock(mu);
    if (range_done) ++written;
    if (!st.ok()) {
      if (failure.ok()) failure = st;  // the first failure is the cause
      result = failure;
      cv.notify_all();
      break;
    }
    cv.notify_all();
    if (range_done) rprogress.Update(written, stats.rows, stats.bytes);
  }
  for (auto& th : threads) th.join();
  DW_RETURN_IF_ERROR(result);
  text.clear();
  // A statement never spans ranges, so the data section ends cleanly here.
  format::AppendSqlDataEnd(t.name, &text);
  stats.bytes += text.size();
  DW_RETURN_IF_ERROR(out->Append(text));
  stats.ranges = nranges;
  stats.seconds = rprogress.Seconds();
  return stats;
}

Result<SqlTableStats> DumpSqlTableFile(SqlSnapshot& snap, std::string_view table,
                                       const SqlDumpOptions& options, Sink* out) {
  DW_RETURN_IF_ERROR(WriteSqlDumpHeader(snap, out));
  DW_ASSIGN_OR_RETURN(SqlTableStats stats, DumpSqlTable(snap, table, options, out));
  DW_RETURN_IF_ERROR(WriteSqlDumpFooter(out));
  return stats;
}

}  // namespace dw::jobs
