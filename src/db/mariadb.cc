#include "db/mariadb.h"

#include <errmsg.h>
#include <fmt/format.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace dw::db {
namespace {

void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// Maps a client/server error number to a Status code.
Status MakeError(unsigned int err, const std::string& msg) {
  switch (err) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_CON_COUNT_ERROR:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_QUERY_INTERRUPTED:
      return Status::Unavailable(msg);
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
      return Status::InvalidArgument(msg);
    case ER_BAD_DB_ERROR:
    case ER_NO_SUCH_TABLE:
    case ER_BAD_TABLE_ERROR:
      return Status::NotFound(msg);
    default:
      return Status::IOError(msg);
  }
}

// The first line of an error message (server messages can hold newlines).
std::string OneLine(const char* s) {
  std::string out(s ? s : "unknown error");
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// Fills `?` placeholders (outside quotes and backticks) with SQL literals.
Result<std::string> Interpolate(MYSQL* mysql, std::string_view sql, std::span<const Value> params,
                                const std::string& what) {
  if (params.empty()) return std::string(sql);
  std::string out;
  out.reserve(sql.size() + 32 * params.size());
  size_t next = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      out.push_back(c);
      if (c == '\\' && quote != '`' && i + 1 < sql.size()) {
        out.push_back(sql[++i]);
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      out.push_back(c);
      continue;
    }
    if (c != '?') {
      out.push_back(c);
      continue;
    }
    if (next >= params.size()) {
      return Status::InvalidArgument(fmt::format(
          "{}: query has more placeholders than the {} parameters given", what, params.size()));
    }
    const Value& v = params[next++];
    if (std::holds_alternative<Null>(v)) {
      out += "NULL";
    } else if (const int64_t* iv = std::get_if<int64_t>(&v)) {
      out += std::to_string(*iv);
    } else if (const double* dv = std::get_if<double>(&v)) {
      out += fmt::format("{}", *dv);
    } else {
      std::string_view s = std::get<std::string_view>(v);
      size_t at = out.size();
      out.resize(at + 2 * s.size() + 3);
      out[at] = '\'';
      unsigned long n = mysql_real_escape_string(mysql, out.data() + at + 1, s.data(), s.size());
      out.resize(at + 1 + n);
      out.push_back('\'');
    }
  }
  if (next != params.size()) {
    return Status::InvalidArgument(
        fmt::format("{}: {} parameters given for {} placeholders", what, params.size(), next));
  }
  return out;
}

class MariaRow final : public Row {
 public:
  void Set(MYSQL_ROW row, unsigned long* lengths) {
    row_ = row;
    lengths_ = lengths;
  }
  void SetSize(size_t n) { n_ = n; }
  size_t size() const override { return n_; }
  bool IsNull(size_t i) const override { return row_[i] == nullptr; }
  int64_t Int(size_t i) const override {
    if (!row_[i]) return 0;
    const char* b = row_[i];
    const char* e = b + lengths_[i];
    int64_t v = 0;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc()) {
      // Unsigned values above INT64_MAX, or decimals: best effort.
      uint64_t u = 0;
      auto r = std::from_chars(b, e, u);
      if (r.ec == std::errc()) return static_cast<int64_t>(u);
      return static_cast<int64_t>(std::strtod(std::string(b, e).c_str(), nullptr));
    }
    return v;
  }
  double Double(size_t i) const override {
    if (!row_[i]) return 0;
    return std::strtod(std::string(row_[i], lengths_[i]).c_str(), nullptr);
  }
  std::string_view Bytes(size_t i) const override {
    if (!row_[i]) return {};
    return std::string_view(row_[i], lengths_[i]);
  }

 private:
  MYSQL_ROW row_ = nullptr;
  unsigned long* lengths_ = nullptr;
  size_t n_ = 0;
};

class MariaCursor final : public Cursor {
 public:
  MariaCursor(MYSQL* mysql, MYSQL_RES* res, std::string what)
      : mysql_(mysql), res_(res), what_(std::move(what)) {
    row_.SetSize(res_ ? mysql_num_fields(res_) : 0);
  }
  ~MariaCursor() override {
    if (res_) mysql_free_result(res_);  // drains unread rows
  }
  Result<bool> Next() override {
    if (!res_ || done_) return false;
    MYSQL_ROW r = mysql_fetch_row(res_);
    if (!r) {
      done_ = true;
      if (mysql_errno(mysql_) != 0) {
        return MakeError(mysql_errno(mysql_),
                         fmt::format("{}: reading rows: {}", what_, OneLine(mysql_error(mysql_))));
      }
      return false;
    }
    row_.Set(r, mysql_fetch_lengths(res_));
    return true;
  }
  const Row& row() const override { return row_; }
  std::vector<std::string> ColumnNames() const override {
    std::vector<std::string> names;
    if (!res_) return names;
    unsigned n = mysql_num_fields(res_);
    MYSQL_FIELD* f = mysql_fetch_fields(res_);
    for (unsigned i = 0; i < n; ++i) names.emplace_back(f[i].name, f[i].name_length);
    return names;
  }

 private:
  MYSQL* mysql_;
  MYSQL_RES* res_;
  std::string what_;
  MariaRow row_;
  bool done_ = false;
};

class MariaStatement final : public Statement {
 public:
  MariaStatement(MYSQL_STMT* stmt, std::string what) : stmt_(stmt), what_(std::move(what)) {
    nparams_ = mysql_stmt_param_count(stmt_);
  }
  ~MariaStatement() override { mysql_stmt_close(stmt_); }

  Status Bind(std::span<const Value> params) override {
    if (params.size() != nparams_) {
      return Status::InvalidArgument(fmt::format("{}: {} parameters given for {} placeholders",
                                                 what_, params.size(), nparams_));
    }
    binds_.assign(nparams_, MYSQL_BIND{});
    ints_.assign(nparams_, 0);
    doubles_.assign(nparams_, 0);
    strings_.assign(nparams_, std::string());
    lengths_.assign(nparams_, 0);
    for (size_t i = 0; i < nparams_; ++i) {
      MYSQL_BIND& b = binds_[i];
      const Value& v = params[i];
      if (std::holds_alternative<Null>(v)) {
        b.buffer_type = MYSQL_TYPE_NULL;
      } else if (const int64_t* iv = std::get_if<int64_t>(&v)) {
        ints_[i] = *iv;
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &ints_[i];
      } else if (const double* dv = std::get_if<double>(&v)) {
        doubles_[i] = *dv;
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &doubles_[i];
      } else {
        strings_[i] = std::string(std::get<std::string_view>(v));
        lengths_[i] = strings_[i].size();
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = strings_[i].data();
        b.buffer_length = lengths_[i];
        b.length = &lengths_[i];
      }
    }
    if (nparams_ > 0 && mysql_stmt_bind_param(stmt_, binds_.data())) return Error("bind");
    bound_ = true;
    return Status::OK();
  }

  Result<int64_t> Execute() override {
    if (nparams_ > 0 && !bound_) {
      return Status::InvalidArgument(fmt::format("{}: Execute() before Bind()", what_));
    }
    if (mysql_stmt_execute(stmt_)) return Error("execute");
    int64_t affected = static_cast<int64_t>(mysql_stmt_affected_rows(stmt_));
    if (mysql_stmt_field_count(stmt_) > 0) {
      mysql_stmt_free_result(stmt_);
      mysql_stmt_reset(stmt_);
    }
    return affected;
  }

 private:
  Status Error(const char* op) {
    return MakeError(mysql_stmt_errno(stmt_),
                     fmt::format("{}: {}: {}", what_, op, OneLine(mysql_stmt_error(stmt_))));
  }
  MYSQL_STMT* stmt_;
  std::string what_;
  size_t nparams_ = 0;
  bool bound_ = false;
  std::vector<MYSQL_BIND> binds_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<std::string> strings_;
  std::vector<unsigned long> lengths_;
};

class MariaConnection final : public Connection {
 public:
  MariaConnection(const DbSpec& spec, MYSQL* mysql)
      : spec_(spec), mysql_(mysql), what_(DescribeMariaDb(spec)) {}
  ~MariaConnection() override { mysql_close(mysql_); }

  Backend backend() const override { return Backend::kMariaDB; }
  const DbSpec& spec() const override { return spec_; }

  Status Exec(std::string_view sql) override {
    if (mysql_real_query(mysql_, sql.data(), sql.size())) return Error(sql);
    // Consume every result of a multi-statement string.
    for (;;) {
      MYSQL_RES* res = mysql_store_result(mysql_);
      if (res) mysql_free_result(res);
      int more = mysql_next_result(mysql_);
      if (more > 0) return Error(sql);
      if (more < 0) break;
    }
    return Status::OK();
  }

  Result<std::unique_ptr<Cursor>> Query(std::string_view sql,
                                        std::span<const Value> params) override {
    DW_ASSIGN_OR_RETURN(std::string q, Interpolate(mysql_, sql, params, what_));
    if (mysql_real_query(mysql_, q.data(), q.size())) return Error(sql);
    MYSQL_RES* res = mysql_use_result(mysql_);
    if (!res && mysql_field_count(mysql_) != 0) return Error(sql);
    return std::unique_ptr<Cursor>(std::make_unique<MariaCursor>(mysql_, res, what_));
  }

  Result<std::unique_ptr<Statement>> Prepare(std::string_view sql) override {
    MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
    if (!stmt) return Error(sql);
    if (mysql_stmt_prepare(stmt, sql.data(), sql.size())) {
      Status st = MakeError(
          mysql_stmt_errno(stmt),
          fmt::format("{}: prepare {}: {}", what_, Abbrev(sql), OneLine(mysql_stmt_error(stmt))));
      mysql_stmt_close(stmt);
      return st;
    }
    return std::unique_ptr<Statement>(std::make_unique<MariaStatement>(stmt, what_));
  }

  Status BeginSnapshot() override {
    return Exec(
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ;"
        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  }
  Status Begin() override { return Exec("START TRANSACTION"); }
  Status Commit() override { return Exec("COMMIT"); }
  Status Rollback() override { return Exec("ROLLBACK"); }

  Result<bool> TableExists(std::string_view table) override {
    std::string name = spec_.prefix + std::string(table);
    Value p[] = {std::string_view(name)};
    DW_ASSIGN_OR_RETURN(
        auto cur, Query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                        "AND TABLE_NAME = ?",
                        p));
    DW_ASSIGN_OR_RETURN(bool found, cur->Next());
    while (found) {
      DW_ASSIGN_OR_RETURN(bool more, cur->Next());
      if (!more) break;
    }
    return found;
  }

  int64_t LastInsertId() override { return static_cast<int64_t>(mysql_insert_id(mysql_)); }

  std::string ServerVersion() override {
    return std::string("MariaDB ") + mysql_get_server_info(mysql_);
  }

 private:
  static std::string Abbrev(std::string_view sql) {
    std::string s(sql.substr(0, 60));
    for (char& c : s) {
      if (c == '\n') c = ' ';
    }
    return sql.size() > 60 ? s + "..." : s;
  }
  Status Error(std::string_view sql) {
    return MakeError(mysql_errno(mysql_),
                     fmt::format("{}: {}: {}", what_, Abbrev(sql), OneLine(mysql_error(mysql_))));
  }

  DbSpec spec_;
  MYSQL* mysql_;
  std::string what_;
};

}  // namespace

std::string DescribeMariaDb(const DbSpec& spec) { return spec.Describe(); }

std::string QuoteMariaDbIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

Result<std::unique_ptr<Connection>> ConnectMariaDb(const DbSpec& spec) {
  InitLibraryOnce();
  std::string what = DescribeMariaDb(spec);
  MYSQL* mysql = mysql_init(nullptr);
  if (!mysql) return Status::IOError(what + ": out of memory");
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  unsigned int timeout = 10;
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  // Reads of a busy table can pause for long; only the connect is time-limited.
  my_bool no_reconnect = 0;
  mysql_options(mysql, MYSQL_OPT_RECONNECT, &no_reconnect);
  // Never read ~/.my.cnf implicitly: everything comes from the spec.
  const char* host =
      spec.socket.empty() ? (spec.host.empty() ? "localhost" : spec.host.c_str()) : "localhost";
  const char* sock = spec.socket.empty() ? nullptr : spec.socket.c_str();
  if (!mysql_real_connect(mysql, host, spec.user.empty() ? nullptr : spec.user.c_str(),
                          spec.password.empty() ? nullptr : spec.password.c_str(),
                          spec.dbname.empty() ? nullptr : spec.dbname.c_str(),
                          static_cast<unsigned>(spec.port), sock, CLIENT_MULTI_STATEMENTS)) {
    Status st = MakeError(mysql_errno(mysql), what + ": " + OneLine(mysql_error(mysql)));
    mysql_close(mysql);
    return st;
  }
  auto conn = std::make_unique<MariaConnection>(spec, mysql);
  // Full-table reads must not be cut by the server's write timeout while the
  // consumer (a compressor) is slower than the network.
  DW_RETURN_IF_ERROR(conn->Exec("SET SESSION net_write_timeout = 3600"));
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace dw::db
