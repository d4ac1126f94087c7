// Small helpers to run programs (nft, iptables, ssh, mariabackup) without a shell.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace dw::transfer {

// Runs argv, feeding `input` on stdin, and returns stdout. A non-zero exit is an
// error naming the program and carrying its first line of stderr.
Result<std::string> RunProgram(const std::vector<std::string>& argv, const std::string& input = "");
// True if `name` is an executable on PATH.
bool OnPath(const std::string& name);

}  // namespace dw::transfer
