#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace dw::cli {

int RunSqldump(int argc, char** argv) {
  CLI::App app{"dumpworks sqldump", "dumpworks sqldump"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  PrintError("sqldump", "not implemented yet");
  return kExitFailure;
}

}  // namespace dw::cli
