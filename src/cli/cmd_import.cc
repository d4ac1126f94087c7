#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace dw::cli {

int RunImport(int argc, char** argv) {
  CLI::App app{"dumpworks import", "dumpworks import"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  PrintError("import", "not implemented yet");
  return kExitFailure;
}

}  // namespace dw::cli
