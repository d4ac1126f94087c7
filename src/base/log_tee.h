// A copy of the operator log for a per-run log file (e.g. the transfer's log).
// Kept out of log.h, which nearly every file includes.
#pragma once

#include <functional>
#include <string_view>

namespace dw {

// Also hands every line that is logged (formatted as on stderr, without colour,
// ending in '\n') to `tee`; nullptr removes it. `tee` is called from whichever
// thread logs, one line at a time (never concurrently).
void SetLogTee(std::function<void(std::string_view line)> tee);

}  // namespace dw
