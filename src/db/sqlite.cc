#include "db/sqlite.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <string>

namespace dw::db {
namespace {

Status SqliteError(const DbSpec& spec, sqlite3* db, std::string_view what) {
  std::string msg = spec.Describe() + ": ";
  if (!what.empty()) msg += std::string(what) + ": ";
  msg += db ? sqlite3_errmsg(db) : "out of memory";
  int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
  switch (code & 0xff) {
    case SQLITE_CANTOPEN:
      return Status::NotFound(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::IOError(msg);
    default:
      return Status::InvalidArgument(msg);
  }
}

Status BindAll(const DbSpec& spec, sqlite3* db, sqlite3_stmt* stmt, std::span<const Value> params) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
    return Status::InvalidArgument(spec.Describe() + ": statement expects " +
                                   std::to_string(sqlite3_bind_parameter_count(stmt)) +
                                   " parameters, got " + std::to_string(params.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i) + 1;
    int rc = SQLITE_OK;
    const Value& v = params[i];
    if (std::holds_alternative<Null>(v)) {
      rc = sqlite3_bind_null(stmt, idx);
    } else if (auto* n = std::get_if<int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, idx, *n);
    } else if (auto* d = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(stmt, idx, *d);
    } else {
      auto s = std::get<std::string_view>(v);
      // BLOB binding: MediaWiki's SQLite schema stores titles etc. as BLOB, and a
      // TEXT value never compares equal to a BLOB one.
      rc = sqlite3_bind_blob64(stmt, idx, s.data(), s.size(), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return SqliteError(spec, db, "bind");
  }
  return Status::OK();
}

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* s) : stmt_(s) {}
  size_t size() const override { return static_cast<size_t>(sqlite3_column_count(stmt_)); }
  bool IsNull(size_t i) const override {
    return sqlite3_column_type(stmt_, static_cast<int>(i)) == SQLITE_NULL;
  }
  int64_t Int(size_t i) const override { return sqlite3_column_int64(stmt_, static_cast<int>(i)); }
  double Double(size_t i) const override {
    return sqlite3_column_double(stmt_, static_cast<int>(i));
  }
  std::string_view Bytes(size_t i) const override {
    const void* p = sqlite3_column_blob(stmt_, static_cast<int>(i));
    int n = sqlite3_column_bytes(stmt_, static_cast<int>(i));
    if (p == nullptr) return {};
    return {static_cast<const char*>(p), static_cast<size_t>(n)};
  }

 private:
  sqlite3_stmt* stmt_;
};

// A prepared statement kept by its connection for the next Query() of the
// same SQL (a batch query is then prepared once, not once per batch).
struct CachedStatement {
  std::string sql;
  sqlite3_stmt* stmt = nullptr;
  bool in_use = false;  // a cursor has it
  uint64_t last_used = 0;
};

class SqliteCursor final : public Cursor {
 public:
  // Owns `stmt` (finalized at the end) unless `cached` (reset and given back).
  SqliteCursor(const DbSpec& spec, sqlite3* db, sqlite3_stmt* stmt, CachedStatement* cached)
      : spec_(spec), db_(db), stmt_(stmt), cached_(cached), row_(stmt) {}
  ~SqliteCursor() override {
    if (cached_ == nullptr) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
      cached_->in_use = false;
    }
  }
  Result<bool> Next() override {
    if (done_) return false;
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    done_ = true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(spec_, db_, "");
  }
  const Row& row() const override { return row_; }
  std::vector<std::string> ColumnNames() const override {
    std::vector<std::string> names;
    int n = sqlite3_column_count(stmt_);
    for (int i = 0; i < n; ++i) names.emplace_back(sqlite3_column_name(stmt_, i));
    return names;
  }

 private:
  const DbSpec& spec_;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  CachedStatement* cached_;
  bool done_ = false;
  SqliteRow row_;
};

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(const DbSpec& spec, sqlite3* db, sqlite3_stmt* stmt)
      : spec_(spec), db_(db), stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  Status Bind(std::span<const Value> params) override { return BindAll(spec_, db_, stmt_, params); }
  Result<int64_t> Execute() override {
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    }
    Status st = rc == SQLITE_DONE ? Status::OK() : SqliteError(spec_, db_, "");
    sqlite3_reset(stmt_);
    if (!st.ok()) return st;
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

 private:
  const DbSpec& spec_;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(DbSpec spec, sqlite3* db) : spec_(std::move(spec)), db_(db) {}
  ~SqliteConnection() override {
    for (auto& c : cache_) sqlite3_finalize(c->stmt);
    sqlite3_close_v2(db_);
  }

  Backend backend() const override { return Backend::kSqlite; }
  const DbSpec& spec() const override { return spec_; }

  Status Exec(std::string_view sql) override {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      Status st = SqliteError(spec_, db_, "");
      sqlite3_free(err);
      return st;
    }
    return Status::OK();
  }

  Result<std::unique_ptr<Cursor>> Query(std::string_view sql,
                                        std::span<const Value> params) override {
    CachedStatement* cached = Cached(sql);
    sqlite3_stmt* stmt = cached != nullptr ? cached->stmt : nullptr;
    if (stmt == nullptr) {
      if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
        if (cached != nullptr) cached->in_use = false;
        return SqliteError(spec_, db_, "");
      }
      if (cached != nullptr) cached->stmt = stmt;
    }
    Status st = BindAll(spec_, db_, stmt, params);
    if (!st.ok()) {
      if (cached != nullptr) {
        sqlite3_clear_bindings(stmt);
        cached->in_use = false;
      } else {
        sqlite3_finalize(stmt);
      }
      return st;
    }
    return std::unique_ptr<Cursor>(new SqliteCursor(spec_, db_, stmt, cached));
  }

  Result<std::unique_ptr<Statement>> Prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return SqliteError(spec_, db_, "");
    }
    return std::unique_ptr<Statement>(new SqliteStatement(spec_, db_, stmt));
  }

  Status BeginSnapshot() override {
    DW_RETURN_IF_ERROR(Exec("BEGIN DEFERRED"));
    // The snapshot starts with the first read: take it now.
    Status st = Exec("SELECT count(*) FROM sqlite_master");
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    return Status::OK();
  }
  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() override { return Exec("COMMIT"); }
  Status Rollback() override { return Exec("ROLLBACK"); }

  Result<bool> TableExists(std::string_view table) override {
    std::string name = TableName(table);
    Value v = std::string_view(name);
    // sqlite_master.name is TEXT: compare as text.
    DW_ASSIGN_OR_RETURN(auto cur,
                        Query("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND "
                              "name = CAST(? AS TEXT)",
                              std::span<const Value>(&v, 1)));
    DW_ASSIGN_OR_RETURN(bool found, cur->Next());
    return found;
  }

  int64_t LastInsertId() override { return sqlite3_last_insert_rowid(db_); }
  std::string ServerVersion() override { return std::string("SQLite ") + sqlite3_libversion(); }

 private:
  static constexpr size_t kMaxCached = 16;

  // The cache entry for `sql`, marked in use: its statement, or (stmt null)
  // a free slot to prepare it into. Null when every slot is in use: the
  // caller prepares a statement of its own.
  CachedStatement* Cached(std::string_view sql) {
    ++uses_;
    CachedStatement* victim = nullptr;
    for (auto& c : cache_) {
      if (c->in_use) continue;
      if (c->sql == sql) {
        c->in_use = true;
        c->last_used = uses_;
        return c.get();
      }
      if (victim == nullptr || c->last_used < victim->last_used) victim = c.get();
    }
    if (cache_.size() < kMaxCached) {
      cache_.push_back(std::make_unique<CachedStatement>());
      victim = cache_.back().get();
    } else if (victim == nullptr) {
      return nullptr;
    }
    sqlite3_finalize(victim->stmt);
    victim->stmt = nullptr;
    victim->sql.assign(sql.data(), sql.size());
    victim->in_use = true;
    victim->last_used = uses_;
    return victim;
  }

  DbSpec spec_;
  sqlite3* db_;
  std::vector<std::unique_ptr<CachedStatement>> cache_;  // stable addresses: cursors point in
  uint64_t uses_ = 0;
};

}  // namespace

Result<std::unique_ptr<Connection>> ConnectSqlite(const DbSpec& spec) {
  if (spec.read_only) {
    struct stat st;
    if (::stat(spec.path.c_str(), &st) != 0) {
      return Status::FromErrno(spec.Describe(), errno);
    }
  }
  int flags = spec.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(spec.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteError(spec, db, "");
    sqlite3_close_v2(db);
    return st;
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  auto conn = std::make_unique<SqliteConnection>(spec, db);
  // A file that is not a database fails on the first read: check now, with a clear message.
  Status st = conn->Exec("SELECT count(*) FROM sqlite_master");
  if (!st.ok()) return st;
  // Read-only connections (exports, dumps) stream: SQLite's default 2 MiB page
  // cache and plain read()s. A bigger cache or a memory map makes every page
  // land in memory that is no longer in the CPU's caches: a 16 MiB cache with
  // 128 MiB mapped cost the export 15-20% more CPU and 140 MB more RSS
  // (docs/bench-export.md, session 4). Writers (import) keep a 16 MiB cache
  // and 128 MiB mapped, for their B-tree updates; both count in RSS, so both
  // stay bounded.
  if (spec.read_only) {
    (void)conn->Exec("PRAGMA cache_size=-2000");
    (void)conn->Exec("PRAGMA mmap_size=0");
  } else {
    (void)conn->Exec("PRAGMA cache_size=-16384");
    (void)conn->Exec("PRAGMA mmap_size=134217728");
  }
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace dw::db
