// The MariaDB backend (MariaDB Connector/C).
//
// Contract (see db/database.h for the interface):
//   - Connects over DbSpec::socket when set, else host:port; user, password and
//     database from the spec. The connection character set is utf8mb4, like
//     mariadb-dump's; values come back as the exact stored bytes (varbinary is
//     binary-safe, NULs included).
//   - Query() streams with mysql_use_result: rows are read from the socket as
//     the Cursor advances, never buffered whole. `?` placeholders are filled in
//     client-side with mysql_real_escape_string (binary-safe), so a parameterised
//     query streams too. Prepare() uses server-side prepared statements.
//   - BeginSnapshot(): REPEATABLE READ + START TRANSACTION WITH CONSISTENT
//     SNAPSHOT, READ ONLY.
//   - Every error is one line naming the database (DbSpec::Describe-like, no
//     password): unreachable server -> Unavailable, bad credentials or missing
//     privilege -> InvalidArgument, unknown database/table -> NotFound, a
//     dropped connection -> Unavailable.
// Thread-safety: one Connection per thread (mysql_thread_init is handled here).
#pragma once

#include <memory>
#include <string>

#include "db/database.h"

namespace dw::db {

Result<std::unique_ptr<Connection>> ConnectMariaDb(const DbSpec& spec);

// The spec as it appears in this backend's error messages (no password):
// DbSpec::Describe().
std::string DescribeMariaDb(const DbSpec& spec);

// Quotes an identifier for MariaDB: `name`, with ` doubled.
std::string QuoteMariaDbIdentifier(std::string_view name);

}  // namespace dw::db
