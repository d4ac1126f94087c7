// dumpworks: the command-line shell over the library. Dispatches to a subcommand.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.h"

namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "dumpworks %s: MediaWiki dumps and database backup transfers\n\n"
               "Usage: dumpworks COMMAND [options]   (dumpworks COMMAND -h for its options)\n\n"
               "Commands:\n",
               dw::cli::Version());
  for (const auto& c : dw::cli::Commands()) {
    if (c.hidden) continue;
    std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // The compressors allocate and free buffers of a few MB per block (libdivsufsort's
  // buckets, block copies): keep such memory in the heap instead of mapping and
  // faulting it in again for every block (page faults were ~5% of bzip2's CPU).
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  if (argc < 2) {
    PrintUsage(stderr);
    return dw::cli::kExitUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    PrintUsage(stdout);
    return dw::cli::kExitOk;
  }
  if (cmd == "--version" || cmd == "-V" || cmd == "version") {
    std::printf("dumpworks %s\n", dw::cli::Version());
    return dw::cli::kExitOk;
  }
  const dw::cli::Command* c = dw::cli::FindCommand(cmd);
  if (c == nullptr) {
    std::string hint = dw::cli::SuggestCommand(cmd);
    if (!hint.empty())
      std::fprintf(stderr, "dumpworks: unknown command '%s'; did you mean '%s'?\n", cmd.c_str(),
                   hint.c_str());
    else
      std::fprintf(stderr, "dumpworks: unknown command '%s' (see dumpworks -h)\n", cmd.c_str());
    return dw::cli::kExitUsage;
  }
  // argv[1] becomes the program name "dumpworks CMD" for the subcommand's parser.
  std::string prog = std::string("dumpworks ") + c->name;
  argv[1] = prog.data();
  return c->run(argc - 1, argv + 1);
}
