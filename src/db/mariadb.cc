#include "db/mariadb.h"

namespace dw::db {

Result<std::unique_ptr<Connection>> ConnectMariaDb(const DbSpec& spec) {
  return Status::NotSupported(spec.Describe() + ": MariaDB backend not built yet");
}

}  // namespace dw::db
