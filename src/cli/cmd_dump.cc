#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace dw::cli {

int RunDump(int argc, char** argv) {
  CLI::App app{"dumpworks dump", "dumpworks dump"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  PrintError("dump", "not implemented yet");
  return kExitFailure;
}

}  // namespace dw::cli
