#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace dw::cli {

int RunTransfer(int argc, char** argv) {
  CLI::App app{"dumpworks transfer", "dumpworks transfer"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  PrintError("transfer", "not implemented yet");
  return kExitFailure;
}

}  // namespace dw::cli
