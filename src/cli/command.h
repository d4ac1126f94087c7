// The subcommand table: every `dumpworks CMD` is one entry in kCommands
// (cli/commands.cc) and one file cli/cmd_<name>.cc holding its Run function.
// main() only dispatches; each Run parses its own flags (CLI11) and calls one
// library function.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace dw::cli {

// Process exit codes, shared by every subcommand.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // the operation failed (message on stderr)
  kExitUsage = 2,        // bad command line or configuration
  kExitPartial = 3,      // finished, but some items had errors (e.g. bad revisions)
  kExitInterrupted = 130,
};

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  // argv[0] is "dumpworks CMD"
  bool hidden = false;                // internal (e.g. the remote side of transfer)
};

std::span<const Command> Commands();
const Command* FindCommand(std::string_view name);
// The closest command name within a small edit distance, or "" if none.
std::string SuggestCommand(std::string_view name);

// Options every subcommand has: -v/--verbose (repeatable), -q/--quiet.
struct CommonOptions {
  int verbose = 0;
  bool quiet = false;
};
void AddCommonOptions(CLI::App& app, CommonOptions* opts);
// Applies -v/-q to the log level.
void ApplyCommonOptions(const CommonOptions& opts);
// Parses argv with app; on --help prints and returns kExitOk through *exit_code,
// on a parse error prints one line and returns kExitUsage. Returns true to go on.
bool ParseArgs(CLI::App& app, int argc, char** argv, int* exit_code);

// Prints "dumpworks CMD: <message>" on stderr (one line).
void PrintError(std::string_view cmd, std::string_view message);

const char* Version();

}  // namespace dw::cli
