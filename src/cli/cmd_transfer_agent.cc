// `dumpworks transfer-agent`: the hidden remote side of `dumpworks transfer`,
// driven over stdin/stdout by the orchestrator (see transfer/agent.h).
#include "cli/command.h"
#include "transfer/agent.h"

namespace dw::cli {

int RunTransferAgent(int argc, char** argv) {
  (void)argc;
  (void)argv;
  Status s = transfer::RunAgent(0, 1);
  if (!s.ok()) {
    PrintError("transfer-agent", s.ToString());
    return s.IsAborted() ? kExitInterrupted : kExitFailure;
  }
  return kExitOk;
}

}  // namespace dw::cli
