// The MediaWiki 1.39 database schema, as Debian's mediawiki package creates it.
//
// The DDL is Debian's own (maintenance/tables-generated.sql for MySQL/MariaDB,
// maintenance/sqlite/tables-generated.sql for SQLite), embedded at build time by
// scripts/gen-mw-schema.py into schema_tables.inc, so a machine without the
// mediawiki package creates the same tables. On top of the tables, CreateSchema()
// adds what install.php adds and MediaWiki needs to read a wiki: the `main` slot
// role, the site_stats row, the updatelog markers, and (SQLite) the FTS3
// searchindex.
//
// Table prefixes ($wgDBprefix) are applied to table names (and, on SQLite,
// where index names are global to the database file, to index names too).
//
// Thread-safety: all functions are pure except CreateSchema(), which uses the
// connection it is given.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "db/database.h"

namespace dw::mw {

// MariaDB table options of a default install ($wgDBTableOptions).
inline constexpr std::string_view kDefaultTableOptions = "ENGINE=InnoDB, DEFAULT CHARSET=binary";

// Every table of the schema (unprefixed), in the order the DDL files list them.
std::span<const std::string_view> SchemaTables();
bool IsSchemaTable(std::string_view table);

// The CREATE TABLE statement of `table` and its CREATE INDEX statements (each
// ending in ';', separated by newlines) for `backend`, with `prefix` applied.
// NotFound for a table that is not part of the schema; InvalidArgument for a
// prefix that is not [A-Za-z0-9_]*.
Result<std::string> CreateTableSql(db::Backend backend, std::string_view table,
                                   std::string_view prefix,
                                   std::string_view table_options = kDefaultTableOptions);

// Whether the database already holds a MediaWiki schema (its `page` table exists).
Result<bool> HasSchema(db::Connection& conn);

// Creates every table plus the install.php rows listed above, in one transaction.
// REQUIRES: no MediaWiki table exists yet (AlreadyExists otherwise, naming it).
Status CreateSchema(db::Connection& conn);

}  // namespace dw::mw
