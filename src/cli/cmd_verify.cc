#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace dw::cli {

int RunVerify(int argc, char** argv) {
  CLI::App app{"dumpworks verify", "dumpworks verify"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  PrintError("verify", "not implemented yet");
  return kExitFailure;
}

}  // namespace dw::cli
