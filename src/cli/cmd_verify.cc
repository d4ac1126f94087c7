#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "run/verify.h"

namespace dw::cli {

int RunVerify(int argc, char** argv) {
  CLI::App app{"check published dump files: complete streams, page ranges, checksums",
               "dumpworks verify"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  std::vector<std::string> paths;
  run::VerifyOptions vo;
  app.add_option("paths", paths, "run directories (<public>/<wiki>/<date>) or dump files")
      ->required();
  app.add_option("--sevenzip", vo.sevenzip, "the 7-Zip program used to test .7z files");
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);
  std::vector<std::string> problems;
  int checked = 0;
  Status s = run::VerifyDump(Env::Default(), paths, vo, &problems, &checked);
  if (!s.ok()) {
    PrintError("verify", s.message());
    return kExitFailure;
  }
  for (const std::string& p : problems) std::printf("%s\n", p.c_str());
  if (!problems.empty()) {
    PrintError("verify", std::to_string(problems.size()) + " problem(s) in " +
                             std::to_string(checked) + " file(s)");
    return kExitFailure;
  }
  if (!common.quiet) std::fprintf(stderr, "dumpworks verify: %d file(s) OK\n", checked);
  return kExitOk;
}

}  // namespace dw::cli
