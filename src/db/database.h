// Database access: one small interface over SQLite and MariaDB (Connector/C).
//
// Everything above this layer (MediaWiki readers, import, sqldump) speaks SQL
// through Connection, with `?` placeholders, and reads rows through a Cursor
// that streams: no call here ever loads a whole table into memory.
//
// Table names: MediaWiki tables are written in SQL as {page}, {revision}, ...;
// Connection::Sql() expands them with the table prefix ($wgDBprefix) and the
// backend's identifier quoting. Callers never concatenate the prefix themselves.
//
// Thread-safety: a Connection and its Cursors are used by one thread at a time.
// Use one Connection per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace dw::db {

enum class Backend { kSqlite, kMariaDB };

// Where a wiki's database lives. Parsed from --db, or built from a config file.
//   sqlite:PATH
//   mariadb://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?socket=PATH&prefix=PFX]
struct DbSpec {
  Backend backend = Backend::kSqlite;
  std::string path;      // sqlite: the database file
  std::string host;      // mariadb: host name or address ("localhost" with a socket)
  int port = 3306;       // mariadb
  std::string socket;    // mariadb: unix socket path, preferred over host:port when set
  std::string user;      // mariadb
  std::string password;  // mariadb; never logged
  std::string dbname;    // mariadb: the database (schema) name
  std::string prefix;    // table prefix, like $wgDBprefix
  bool read_only = false;  // open read-only (sqlite: SQLITE_OPEN_READONLY)

  // A description safe for logs and error messages: no password.
  std::string Describe() const;
};

Result<DbSpec> ParseDbUrl(std::string_view url);

// A bound parameter or a column value.
struct Null {};
using Value = std::variant<Null, int64_t, double, std::string_view>;

// The current row of a Cursor. Views stay valid until the next Cursor::Next().
class Row {
 public:
  virtual ~Row() = default;
  virtual size_t size() const = 0;
  virtual bool IsNull(size_t i) const = 0;
  virtual int64_t Int(size_t i) const = 0;             // 0 for NULL
  virtual double Double(size_t i) const = 0;
  virtual std::string_view Bytes(size_t i) const = 0;  // "" for NULL; text and blobs alike
};

class Cursor {
 public:
  virtual ~Cursor() = default;
  // Advances to the next row. Returns false after the last row.
  virtual Result<bool> Next() = 0;
  virtual const Row& row() const = 0;
  virtual std::vector<std::string> ColumnNames() const = 0;
};

// A prepared statement, reusable: Bind..., Execute or Query, then again.
class Statement {
 public:
  virtual ~Statement() = default;
  // Binds all parameters, in order (replacing any earlier binding).
  virtual Status Bind(std::span<const Value> params) = 0;
  // Runs a statement that returns no rows. Returns the number of affected rows.
  virtual Result<int64_t> Execute() = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Backend backend() const = 0;
  virtual const DbSpec& spec() const = 0;

  // Expands {table} to the quoted, prefixed table name: "{page}" -> `page`
  // (MariaDB) or "page" (SQLite), with the prefix in front.
  std::string Sql(std::string_view sql_template) const;
  // The prefixed, unquoted name of a MediaWiki table.
  std::string TableName(std::string_view table) const { return spec().prefix + std::string(table); }

  // Runs one or more statements that return no rows (no parameters).
  virtual Status Exec(std::string_view sql) = 0;
  // Runs a query and streams its rows (MariaDB: mysql_use_result / unbuffered).
  // Only one Cursor per Connection may be open at a time.
  virtual Result<std::unique_ptr<Cursor>> Query(std::string_view sql,
                                                std::span<const Value> params = {}) = 0;
  virtual Result<std::unique_ptr<Statement>> Prepare(std::string_view sql) = 0;

  // One consistent read snapshot for everything read until Commit()/Rollback():
  // MariaDB: REPEATABLE READ + START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY;
  // SQLite: BEGIN (deferred) + a first read, so the snapshot is taken at once.
  virtual Status BeginSnapshot() = 0;
  virtual Status Begin() = 0;  // a write transaction
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;

  // Whether a MediaWiki table (unprefixed name) exists in this database.
  virtual Result<bool> TableExists(std::string_view table) = 0;
  // The id of the last row inserted on this connection.
  virtual int64_t LastInsertId() = 0;
  // A short version string of the server/library, e.g. "SQLite 3.40.1".
  virtual std::string ServerVersion() = 0;
};

// Opens a connection. Fails with a one-line message naming the database:
// "sqlite:/x.sqlite: unable to open database file",
// "mariadb://wikiuser@localhost/aawiki: Access denied for user ...".
Result<std::unique_ptr<Connection>> Connect(const DbSpec& spec);

}  // namespace dw::db
