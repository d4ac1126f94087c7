#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "base/log.h"
#include "cli/command.h"

namespace dw::cli {

// One line per subcommand, defined in cmd_<name>.cc.
int RunExport(int argc, char** argv);
int RunImport(int argc, char** argv);
int RunSqldump(int argc, char** argv);
int RunDump(int argc, char** argv);
int RunVerify(int argc, char** argv);
int RunTransfer(int argc, char** argv);
int RunTransferAgent(int argc, char** argv);
int RunGenerate(int argc, char** argv);
int RunXCompress(int argc, char** argv);

namespace {

const Command kCommands[] = {
    {"export", "write MediaWiki XML dumps of a wiki (like dumpBackup.php)", RunExport},
    {"import", "load a MediaWiki XML dump into a wiki database (like importDump.php)", RunImport},
    {"sqldump", "dump wiki tables as SQL (like mysqldump --opt)", RunSqldump},
    {"dump", "run a whole dump of one wiki: all jobs, status files, index pages", RunDump},
    {"verify", "check published dump files: complete streams, page ranges, checksums", RunVerify},
    {"transfer", "copy files, directories or a MariaDB backup from one host to many", RunTransfer},
    {"transfer-agent", "the remote side of transfer (internal)", RunTransferAgent, true},
    {"generate", "write a deterministic synthetic wiki as a MediaWiki XML dump", RunGenerate},
    {"x-compress", "recompress a file through the stream layer (benchmarks)", RunXCompress, true},
};

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::span<const Command> Commands() { return kCommands; }

const Command* FindCommand(std::string_view name) {
  for (const Command& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

std::string SuggestCommand(std::string_view name) {
  std::string best;
  size_t best_d = 3;  // suggest only within two edits
  for (const Command& c : kCommands) {
    if (c.hidden) continue;
    size_t d = EditDistance(name, c.name);
    std::string_view cn(c.name);
    if (cn.starts_with(name) && !name.empty()) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c.name;
    }
  }
  return best;
}

void AddCommonOptions(CLI::App& app, CommonOptions* opts) {
  app.add_flag("-v,--verbose", opts->verbose, "more log lines (repeat for debug)");
  app.add_flag("-q,--quiet", opts->quiet, "only errors");
}

void ApplyCommonOptions(const CommonOptions& opts) {
  if (opts.quiet)
    SetLogLevel(LogLevel::kError);
  else if (opts.verbose > 0)
    SetLogLevel(LogLevel::kDebug);
  else
    SetLogLevel(LogLevel::kInfo);
}

bool ParseArgs(CLI::App& app, int argc, char** argv, int* exit_code) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    *exit_code = app.exit(e);
    return false;
  } catch (const CLI::CallForAllHelp& e) {
    *exit_code = app.exit(e);
    return false;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s (see %s -h)\n", app.get_name().c_str(), e.what(),
                 app.get_name().c_str());
    *exit_code = kExitUsage;
    return false;
  }
  return true;
}

void PrintError(std::string_view cmd, std::string_view message) {
  std::fprintf(stderr, "dumpworks %.*s: %.*s\n", static_cast<int>(cmd.size()), cmd.data(),
               static_cast<int>(message.size()), message.data());
}

const char* Version() { return DUMPWORKS_VERSION; }

}  // namespace dw::cli
