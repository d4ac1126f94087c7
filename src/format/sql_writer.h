// The text of a table dump in the form `mariadb-dump --opt --quick
// --skip-add-locks --skip-lock-tables` writes it, piece by piece, so that
// `zcat x.sql.gz | mariadb db` recreates the table with identical contents.
//
// A dump is: SqlHeader(), then per table SqlTableStructure(), SqlDataBegin(),
// the rows through an SqlInsertFormatter, SqlDataEnd(), and SqlFooter() last.
// Every piece is appended to a std::string; callers batch them into Sinks.
//
// Values are written as mariadb-dump writes them: NULL, numbers unquoted
// ("inf"/"nan" as NULL), everything else quoted with mysql_real_escape_string's
// escapes (\0 \n \r \\ \' \" \Z); other bytes, invalid UTF-8 included, as is.
//
// Thread-safety: plain values; a formatter is used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"

namespace dw::format {

// mariadb-dump's default --net-buffer-length: an extended INSERT is closed
// before it would grow past this many bytes (a longer single row gets its own).
inline constexpr size_t kDefaultNetBufferLength = 1046528;

// How a column's values are written.
enum class SqlColumn : uint8_t {
  kString,  // quoted and escaped (text, blobs, dates, binary ...)
  kNumber,  // unquoted: integers, float, double, decimal, year
};

// The column kind for an information_schema.COLUMNS.DATA_TYPE ("int", "varbinary" ...).
SqlColumn SqlColumnForType(std::string_view data_type);

struct SqlDumpHeader {
  std::string host;            // "localhost"
  std::string database;        // the schema name
  std::string server_version;  // "10.11.19-MariaDB-0+deb12u1"
};

// "-- dumpworks sqldump ..." comments and the session settings (SET NAMES utf8mb4,
// TIME_ZONE, UNIQUE_CHECKS, FOREIGN_KEY_CHECKS, SQL_MODE, SQL_NOTES).
void AppendSqlHeader(const SqlDumpHeader& header, std::string* out);
// DROP TABLE IF EXISTS + the CREATE TABLE statement (as SHOW CREATE TABLE gives it).
void AppendSqlTableStructure(std::string_view table, std::string_view create_table,
                             std::string* out);
// "Dumping data" comment + /*!40000 ALTER TABLE ... DISABLE KEYS */.
void AppendSqlDataBegin(std::string_view table, std::string* out);
// /*!40000 ALTER TABLE ... ENABLE KEYS */.
void AppendSqlDataEnd(std::string_view table, std::string* out);
// Restores the session settings; "-- Dump completed on ..." with the given UTC time.
void AppendSqlFooter(int64_t unix_time, std::string* out);

// Appends `value` escaped for a single-quoted SQL string (without the quotes).
void AppendSqlEscaped(std::string_view value, std::string* out);

// Formats rows into extended INSERT statements, split like mariadb-dump does:
// a row joins the open statement while the statement stays below
// net_buffer_length, else a new "INSERT INTO `t` VALUES" starts.
class SqlInsertFormatter {
 public:
  SqlInsertFormatter(std::string_view table, std::vector<SqlColumn> columns,
                     size_t net_buffer_length = kDefaultNetBufferLength);

  // Appends one row (row.size() must equal the number of columns).
  void AddRow(const db::Row& row, std::string* out);
  // Closes the open statement, if any (";\n"). The next row starts a new one.
  void Finish(std::string* out);
  uint64_t rows() const { return rows_; }

 private:
  std::string insert_;  // "INSERT INTO `t` VALUES\n"
  std::vector<SqlColumn> columns_;
  size_t net_buffer_length_;
  size_t total_length_;
  bool open_ = false;
  uint64_t rows_ = 0;
  std::string row_;  // scratch
};

}  // namespace dw::format
