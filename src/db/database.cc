// DbSpec parsing and the backend dispatch of Connect().
#include "db/database.h"

#include <cctype>
#include <charconv>

#include "db/mariadb.h"
#include "db/sqlite.h"

namespace dw::db {
namespace {

// Decodes %XX escapes (user names and passwords may hold '@', ':', '/').
Result<std::string> PercentDecode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int v = 0;
    if (i + 2 >= s.size()) {
      return Status::InvalidArgument(std::string("bad %-escape in ") + std::string(what));
    }
    auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + i + 3) {
      return Status::InvalidArgument(std::string("bad %-escape in ") + std::string(what));
    }
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  return out;
}

}  // namespace

std::string DbSpec::Describe() const {
  if (backend == Backend::kSqlite) return "sqlite:" + path;
  std::string d = "mariadb://";
  if (!user.empty()) d += user + "@";
  d += host.empty() ? std::string("localhost") : host;
  if (socket.empty() && port != 3306) d += ":" + std::to_string(port);
  d += "/" + dbname;
  std::string q;
  if (!socket.empty()) q += "socket=" + socket;
  if (!prefix.empty()) q += (q.empty() ? "" : "&") + std::string("prefix=") + prefix;
  if (!q.empty()) d += "?" + q;
  return d;
}

Result<DbSpec> ParseDbUrl(std::string_view url) {
  DbSpec spec;
  constexpr std::string_view kSqlite = "sqlite:";
  constexpr std::string_view kMaria = "mariadb://";
  constexpr std::string_view kMysql = "mysql://";
  if (url.starts_with(kSqlite)) {
    spec.backend = Backend::kSqlite;
    std::string_view rest = url.substr(kSqlite.size());
    if (rest.starts_with("//")) rest.remove_prefix(2);  // sqlite:///abs/path
    // Optional ?prefix=PFX
    if (auto q = rest.find("?prefix="); q != std::string_view::npos) {
      spec.prefix = std::string(rest.substr(q + 8));
      rest = rest.substr(0, q);
    }
    if (rest.empty())
      return Status::InvalidArgument("--db sqlite: needs a file path (sqlite:PATH)");
    spec.path = std::string(rest);
    return spec;
  }
  std::string_view rest;
  if (url.starts_with(kMaria)) {
    rest = url.substr(kMaria.size());
  } else if (url.starts_with(kMysql)) {
    rest = url.substr(kMysql.size());
  } else {
    return Status::InvalidArgument("database URL '" + std::string(url) +
                                   "': expected sqlite:PATH or mariadb://USER@HOST/DBNAME");
  }
  spec.backend = Backend::kMariaDB;
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 >= rest.size()) {
    return Status::InvalidArgument("database URL '" + spec.Describe() +
                                   "': missing /DBNAME (mariadb://USER@HOST/DBNAME)");
  }
  std::string_view authority = rest.substr(0, slash);
  DW_ASSIGN_OR_RETURN(spec.dbname, PercentDecode(rest.substr(slash + 1), "database name"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      DW_ASSIGN_OR_RETURN(spec.password, PercentDecode(userinfo.substr(colon + 1), "password"));
      userinfo = userinfo.substr(0, colon);
    }
    DW_ASSIGN_OR_RETURN(spec.user, PercentDecode(userinfo, "user name"));
  }
  if (auto colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    std::string_view p = authority.substr(colon + 1);
    int port = 0;
    auto r = std::from_chars(p.data(), p.data() + p.size(), port);
    if (r.ec != std::errc() || r.ptr != p.data() + p.size() || port <= 0 || port > 65535) {
      return Status::InvalidArgument("database URL: bad port '" + std::string(p) + "'");
    }
    spec.port = port;
    authority = authority.substr(0, colon);
  }
  spec.host = authority.empty() ? "localhost" : std::string(authority);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    std::string_view val = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
    DW_ASSIGN_OR_RETURN(std::string v, PercentDecode(val, key));
    if (key == "socket") {
      spec.socket = v;
    } else if (key == "prefix") {
      spec.prefix = v;
    } else {
      return Status::InvalidArgument("database URL: unknown parameter '" + std::string(key) +
                                     "' (known: socket, prefix)");
    }
  }
  return spec;
}

std::string Connection::Sql(std::string_view sql_template) const {
  std::string out;
  out.reserve(sql_template.size() + 32);
  const char quote = backend() == Backend::kMariaDB ? '`' : '"';
  const std::string& prefix = spec().prefix;
  for (size_t i = 0; i < sql_template.size(); ++i) {
    char c = sql_template[i];
    if (c == '{') {
      size_t close = sql_template.find('}', i + 1);
      if (close != std::string_view::npos) {
        std::string_view name = sql_template.substr(i + 1, close - i - 1);
        bool ident = !name.empty();
        for (char n : name) {
          if (!(std::isalnum(static_cast<unsigned char>(n)) || n == '_')) ident = false;
        }
        if (ident) {
          out.push_back(quote);
          out += prefix;
          out += name;
          out.push_back(quote);
          i = close;
          continue;
        }
      }
    }
    out.push_back(c);
  }
  return out;
}

Result<std::unique_ptr<Connection>> Connect(const DbSpec& spec) {
  switch (spec.backend) {
    case Backend::kSqlite:
      return ConnectSqlite(spec);
    case Backend::kMariaDB:
      return ConnectMariaDb(spec);
  }
  return Status::InvalidArgument("unknown database backend");
}

}  // namespace dw::db
