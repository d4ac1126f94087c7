// dumpworks import: load a MediaWiki XML dump into a MediaWiki 1.39 database.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>

#include "base/log.h"
#include "cli/command.h"
#include "cli/wiki_options.h"
#include "db/database.h"
#include "env/env.h"
#include "jobs/import.h"
#include "stream/input.h"

namespace dw::cli {
namespace {

// Any compression (gzip, bzip2 incl. multistream, zstd) is detected by content.
Result<std::unique_ptr<Source>> OpenXmlInput(const std::string& path) {
  return stream::OpenInput(Env::Default(), path);
}

// Progress on stderr: revisions/s; one log line every 10 s when not a terminal.
class ProgressPrinter : public jobs::ImportObserver {
 public:
  void OnProgress(const jobs::ImportStats& s, double seconds) override {
    if (!LogEnabled(LogLevel::kInfo)) return;
    double rate = seconds > 0 ? static_cast<double>(s.revisions) / seconds : 0;
    std::string line =
        fmt::format("import: {} pages, {} revisions, {:.1f} MB text, {:.0f} revisions/s", s.pages,
                    s.revisions, static_cast<double>(s.text_bytes) / 1e6, rate);
    if (isatty(2)) {
      fmt::print(stderr, "\r{}\033[K", line);
      dirty_ = true;
    } else if (seconds - last_logged_ >= 10) {
      last_logged_ = seconds;
      LogInfo("{}", line);
    }
  }
  ~ProgressPrinter() override {
    if (dirty_) fmt::print(stderr, "\n");
  }

 private:
  bool dirty_ = false;
  double last_logged_ = 0;
};

}  // namespace

int RunImport(int argc, char** argv) {
  CLI::App app{
      "Load a MediaWiki XML dump (schema 0.10/0.11; plain, .gz, .bz2, .zst) into a MediaWiki 1.39 "
      "database, keeping the dump's page, revision and user ids. Creates the schema in an empty "
      "database.",
      "dumpworks import"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  std::string input;
  WikiOptions where;
  int64_t batch = 20000;
  bool no_create = false;
  app.add_option("input", input, "The XML dump to read, '-' for stdin")->required();
  AddWikiOptions(app, &where);
  app.add_option("--batch", batch, "Revisions per transaction")->check(CLI::PositiveNumber);
  app.add_flag("--no-create-schema", no_create,
               "Fail instead of creating the schema when the database has none");
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  auto resolved = ResolveWiki(where);
  if (!resolved.ok()) {
    PrintError("import", resolved.status().message());
    return kExitUsage;
  }
  auto spec = db::ParseDbUrl(resolved->db_url);
  if (!spec.ok()) {
    PrintError("import", spec.status().message());
    return kExitUsage;
  }
  auto source = OpenXmlInput(input);
  if (!source.ok()) {
    PrintError("import", source.status().message());
    return kExitFailure;
  }
  auto conn = db::Connect(*spec);
  if (!conn.ok()) {
    PrintError("import", conn.status().message());
    return kExitFailure;
  }
  jobs::ImportOptions options;
  options.batch_revisions = batch;
  options.create_schema = !no_create;
  jobs::ImportStats stats;
  ProgressPrinter progress;
  auto t0 = std::chrono::steady_clock::now();
  Status st =
      jobs::Import(**conn, **source, input == "-" ? "stdin" : input, options, &progress, &stats);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) {
    // One line: what failed, and what is safely in the database.
    PrintError("import",
               fmt::format("{} (committed before the error: {} pages, {} revisions, through page "
                           "id {}; the failing batch was rolled back)",
                           st.message(), stats.committed_pages, stats.committed_revisions,
                           stats.last_committed_page_id));
    return kExitFailure;
  }
  LogInfo(
      "import: {} pages ({} updated, {} skipped), {} revisions ({} already present), {} "
      "users, {:.1f} MB text in {:.2f} s ({:.0f} revisions/s)",
      stats.pages, stats.pages_updated, stats.pages_skipped, stats.revisions,
      stats.revisions_skipped, stats.users, static_cast<double>(stats.text_bytes) / 1e6, secs,
      secs > 0 ? static_cast<double>(stats.revisions) / secs : 0.0);
  return kExitOk;
}

}  // namespace dw::cli
