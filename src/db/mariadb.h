// The MariaDB backend (MariaDB Connector/C).
#pragma once

#include <memory>

#include "db/database.h"

namespace dw::db {

Result<std::unique_ptr<Connection>> ConnectMariaDb(const DbSpec& spec);

}  // namespace dw::db
