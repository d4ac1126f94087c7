#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace dw::cli {

int RunGenerate(int argc, char** argv) {
  CLI::App app{"dumpworks generate", "dumpworks generate"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  PrintError("generate", "not implemented yet");
  return kExitFailure;
}

}  // namespace dw::cli
