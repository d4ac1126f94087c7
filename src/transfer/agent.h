// The remote side of `dumpworks transfer`: `dumpworks transfer-agent` runs on
// the source and on each target (through ssh, or locally) and is driven over
// its stdin/stdout, the control channel: one JSON object per line
// (docs/transfer-protocol.md, "Control channel"). The transfer key arrives in
// the first line; it is never on a command line or in a log.
//
// The agent stops, removes its firewall rules and its partial copy (unless
// --resume) on every exit path: errors, the control channel closing (the
// orchestrator died or was interrupted), SIGINT/SIGTERM/SIGHUP.
#pragma once

#include "base/status.h"

namespace dw::transfer {

// Runs one agent on the control channel (in_fd, out_fd) until its role is done.
Status RunAgent(int in_fd, int out_fd);

}  // namespace dw::transfer
