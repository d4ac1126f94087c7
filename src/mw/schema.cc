#include "mw/schema.h"

#include <fmt/format.h>

#include <array>

namespace dw::mw {
namespace {

struct TableDdl {
  std::string_view name;
  std::string_view mysql;
  std::string_view sqlite;
};

constexpr TableDdl kTables[] = {
#include "mw/schema_tables.inc"
};

constexpr auto kTableNames = [] {
  std::array<std::string_view, std::size(kTables)> names{};
  for (size_t i = 0; i < std::size(kTables); ++i) names[i] = kTables[i].name;
  return names;
}();

const TableDdl* Find(std::string_view table) {
  for (const auto& t : kTables) {
    if (t.name == table) return &t;
  }
  return nullptr;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

bool ValidPrefix(std::string_view prefix) {
  for (char c : prefix) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The rows install.php writes that a wiki needs before anything is imported.
// (content_models rows are added on demand, as MediaWiki's NameTableStore does.)
constexpr std::string_view kInstallRows[] = {
    "INSERT INTO /*_*/slot_roles (role_id, role_name) VALUES (1, 'main')",
    "INSERT INTO /*_*/site_stats (ss_row_id, ss_total_edits, ss_good_articles, ss_total_pages, "
    "ss_users, ss_active_users, ss_images) VALUES (1, 0, 0, 0, 0, 0, 0)",
    "INSERT INTO /*_*/updatelog (ul_key, ul_value) VALUES "
    "('filearchive-fa_major_mime-patch-fa_major_mime-chemical.sql', NULL), "
    "('image-img_major_mime-patch-img_major_mime-chemical.sql', NULL), "
    "('oldimage-oi_major_mime-patch-oi_major_mime-chemical.sql', NULL), "
    "('user_former_groups-ufg_group-patch-ufg_group-length-increase-255.sql', NULL)",
};

// maintenance/sqlite/archives/searchindex-fts3.sql, which SqliteInstaller applies
// when SQLite has FTS3 (Debian's has).
constexpr std::string_view kSqliteFts3 =
    "DROP TABLE IF EXISTS /*_*/searchindex;"
    "CREATE VIRTUAL TABLE /*_*/searchindex USING FTS3(si_title, si_text);"
    "INSERT INTO /*_*/updatelog (ul_key) VALUES ('fts3');";

}  // namespace

std::span<const std::string_view> SchemaTables() { return kTableNames; }

bool IsSchemaTable(std::string_view table) { return Find(table) != nullptr; }

Result<std::string> CreateTableSql(db::Backend backend, std::string_view table,
                                   std::string_view prefix, std::string_view table_options) {
  const TableDdl* t = Find(table);
  if (t == nullptr)
    return Status::NotFound(fmt::format("table {}: not a MediaWiki 1.39 table", table));
  if (!ValidPrefix(prefix)) {
    return Status::InvalidArgument(
        fmt::format("table prefix '{}': only letters, digits and '_' are allowed", prefix));
  }
  std::string sql(backend == db::Backend::kMariaDB ? t->mysql : t->sqlite);
  if (backend == db::Backend::kSqlite && !prefix.empty()) {
    // SQLite index names are global to the file: prefix them like the tables.
    ReplaceAll(sql, "CREATE INDEX ", fmt::format("CREATE INDEX {}", prefix));
    ReplaceAll(sql, "CREATE UNIQUE INDEX ", fmt::format("CREATE UNIQUE INDEX {}", prefix));
  }
  ReplaceAll(sql, "/*_*/", prefix);
  ReplaceAll(sql, "/*$wgDBTableOptions*/", table_options);
  return sql;
}

Result<bool> HasSchema(db::Connection& conn) { return conn.TableExists("page"); }

Status CreateSchema(db::Connection& conn) {
  const std::string& prefix = conn.spec().prefix;
  for (std::string_view table : SchemaTables()) {
    DW_ASSIGN_OR_RETURN(bool exists, conn.TableExists(table));
    if (exists) {
      return Status::AlreadyExists(
          fmt::format("{}: table {} already exists; refusing to create the schema over it",
                      conn.spec().Describe(), prefix + std::string(table)));
    }
  }
  DW_RETURN_IF_ERROR(conn.Begin());
  auto run = [&]() -> Status {
    for (std::string_view table : SchemaTables()) {
      DW_ASSIGN_OR_RETURN(std::string sql, CreateTableSql(conn.backend(), table, prefix));
      Status st = conn.Exec(sql);
      if (!st.ok()) return st.WithContext(fmt::format("create table {}{}", prefix, table));
    }
    for (std::string_view row : kInstallRows) {
      std::string sql(row);
      ReplaceAll(sql, "/*_*/", prefix);
      DW_RETURN_IF_ERROR(conn.Exec(sql));
    }
    if (conn.backend() == db::Backend::kSqlite) {
      std::string sql(kSqliteFts3);
      ReplaceAll(sql, "/*_*/", prefix);
      DW_RETURN_IF_ERROR(conn.Exec(sql));
    }
    return Status::OK();
  };
  Status st = run();
  if (!st.ok()) {
    (void)conn.Rollback();
    return st;
  }
  return conn.Commit();
}

}  // namespace dw::mw
