#include "format/sql_writer.h"

#include <fmt/format.h>
#include <time.h>

#include <array>

#include "db/mariadb.h"

namespace dw::format {
namespace {

// The escape letter for each byte mysql_real_escape_string escapes, 0 otherwise.
constexpr std::array<char, 256> MakeEscapes() {
  std::array<char, 256> t{};
  t[0] = '0';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\\'] = '\\';
  t['\''] = '\'';
  t['"'] = '"';
  t['\032'] = 'Z';
  return t;
}
constexpr std::array<char, 256> kEscapes = MakeEscapes();

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

SqlColumn SqlColumnForType(std::string_view t) {
  static constexpr std::string_view kNumeric[] = {"tinyint", "smallint", "mediumint", "int",
                                                  "integer", "bigint",   "float",     "double",
                                                  "real",    "decimal",  "numeric",   "year"};
  for (std::string_view n : kNumeric) {
    if (t.size() == n.size()) {
      bool eq = true;
      for (size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != n[i]) {
          eq = false;
          break;
        }
      }
      if (eq) return SqlColumn::kNumber;
    }
  }
  return SqlColumn::kString;
}

void AppendSqlEscaped(std::string_view v, std::string* out) {
  const char* p = v.data();
  const char* end = p + v.size();
  const char* run = p;
  for (; p < end; ++p) {
    char e = kEscapes[static_cast<unsigned char>(*p)];
    if (e == 0) continue;
    out->append(run, p);
    out->push_back('\\');
    out->push_back(e);
    run = p + 1;
  }
  out->append(run, end);
}

void AppendSqlHeader(const SqlDumpHeader& h, std::string* out) {
  out->append(
      fmt::format("-- dumpworks sqldump {} (output as mariadb-dump --opt --quick)\n"
                  "--\n"
                  "-- Host: {}    Database: {}\n"
                  "-- ------------------------------------------------------\n"
                  "-- Server version\t{}\n"
                  "\n",
                  DUMPWORKS_VERSION, h.host, h.database, h.server_version));
  out->append(
      "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
      "/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;\n"
      "/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;\n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n"
      "/*!40103 SET TIME_ZONE='+00:00' */;\n"
      "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
      "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
      "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
      "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n");
}

void AppendSqlTableStructure(std::string_view table, std::string_view create_table,
                             std::string* out) {
  std::string q = db::QuoteMariaDbIdentifier(table);
  out->append(
      fmt::format("\n--\n-- Table structure for table {0}\n--\n\n"
                  "DROP TABLE IF EXISTS {0};\n"
                  "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
                  "/*!40101 SET character_set_client = utf8mb4 */;\n"
                  "{1};\n"
                  "/*!40101 SET character_set_client = @saved_cs_client */;\n",
                  q, create_table));
}

void AppendSqlDataBegin(std::string_view table, std::string* out) {
  std::string q = db::QuoteMariaDbIdentifier(table);
  out->append(fmt::format(
      "\n--\n-- Dumping data for table {0}\n--\n\n/*!40000 ALTER TABLE {0} DISABLE KEYS */;\n", q));
}

void AppendSqlDataEnd(std::string_view table, std::string* out) {
  out->append(
      fmt::format("/*!40000 ALTER TABLE {} ENABLE KEYS */;\n", db::QuoteMariaDbIdentifier(table)));
}

void AppendSqlFooter(int64_t unix_time, std::string* out) {
  out->append(
      "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n"
      "\n"
      "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
      "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n"
      "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n"
      "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
      "/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;\n"
      "/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;\n"
      "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n"
      "\n");
  time_t t = static_cast<time_t>(unix_time);
  struct tm tm;
  gmtime_r(&t, &tm);
  out->append(fmt::format("-- Dump completed on {:04}-{:02}-{:02} {:2}:{:02}:{:02}\n",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec));
}

SqlInsertFormatter::SqlInsertFormatter(std::string_view table, std::vector<SqlColumn> columns,
                                       size_t net_buffer_length)
    : insert_("INSERT INTO " + db::QuoteMariaDbIdentifier(table) + " VALUES\n"),
      columns_(std::move(columns)),
      net_buffer_length_(net_buffer_length),
      total_length_(net_buffer_length) {}

void SqlInsertFormatter::AddRow(const db::Row& row, std::string* out) {
  row_.clear();
  row_.push_back('(');
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i) row_.push_back(',');
    if (row.IsNull(i)) {
      row_.append("NULL");
      continue;
    }
    std::string_view v = row.Bytes(i);
    if (v.empty()) {
      row_.append("''");
    } else if (columns_[i] == SqlColumn::kNumber) {
      // mariadb-dump writes inf/-inf/nan as NULL.
      if (IsAlpha(v[0]) || (v[0] == '-' && v.size() > 1 && IsAlpha(v[1]))) {
        row_.append("NULL");
      } else {
        row_.append(v);
      }
    } else {
      row_.push_back('\'');
      AppendSqlEscaped(v, &row_);
      row_.push_back('\'');
    }
  }
  row_.push_back(')');
  // The same arithmetic as mariadb-dump: a row costs its length + 2 (",\n"),
  // a statement starts at strlen("INSERT INTO `t` VALUES ") + 4.
  size_t row_length = 2 + row_.size();
  if (open_ && total_length_ + row_length < net_buffer_length_) {
    total_length_ += row_length;
    out->append(",\n");
  } else {
    if (open_) out->append(";\n");
    out->append(insert_);
    open_ = true;
    total_length_ = row_length + insert_.size() + 4;
  }
  out->append(row_);
  ++rows_;
}

void SqlInsertFormatter::Finish(std::string* out) {
  if (open_) out->append(";\n");
  open_ = false;
  total_length_ = net_buffer_length_;
}

}  // namespace dw::format
