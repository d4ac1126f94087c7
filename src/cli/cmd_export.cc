#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace dw::cli {

int RunExport(int argc, char** argv) {
  CLI::App app{"dumpworks export", "dumpworks export"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  PrintError("export", "not implemented yet");
  return kExitFailure;
}

}  // namespace dw::cli
