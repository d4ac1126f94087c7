// The SQLite backend (the embedded default: one database file per wiki).
//
// Cursors step a prepared statement (sqlite3_step): rows are never buffered,
// so a query over a whole table uses constant memory. Column values are the
// bytes SQLite stores (TEXT and BLOB alike), valid until the next Next().
#pragma once

#include <memory>

#include "db/database.h"

namespace dw::db {

// Opens spec.path (read-only when spec.read_only; a missing file is NotFound
// and never created when read-only). The message names "sqlite:PATH".
Result<std::unique_ptr<Connection>> ConnectSqlite(const DbSpec& spec);

}  // namespace dw::db
