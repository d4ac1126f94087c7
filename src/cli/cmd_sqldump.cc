// dumpworks sqldump: tables of a wiki database as mariadb-dump would write them.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "base/log.h"
#include "cli/command.h"
#include "cli/wiki_options.h"
#include "db/database.h"
#include "db/mariadb.h"
#include "env/env.h"
#include "jobs/sqldump.h"
#include "stream/output.h"

namespace dw::cli {
namespace {

std::vector<std::string> SplitList(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t p = 0;
    while (p <= item.size()) {
      size_t c = item.find(',', p);
      std::string t = item.substr(p, c == std::string::npos ? std::string::npos : c - p);
      if (!t.empty()) out.push_back(t);
      if (c == std::string::npos) break;
      p = c + 1;
    }
  }
  return out;
}

Status Run(const std::string& db_url, std::vector<std::string> tables, const std::string& output,
           const jobs::SqlDumpOptions& options, int threads, bool force, int* skipped) {
  DW_ASSIGN_OR_RETURN(db::DbSpec spec, db::ParseDbUrl(db_url));
  if (output != "-" && output.rfind("gzip:", 0) != 0 && output.rfind("file:", 0) != 0) {
    return Status::InvalidArgument("--output " + output + ": expected gzip:PATH, file:PATH or -");
  }
  // gzip: stream's parallel gzip (libdeflate) on as many threads as connections;
  // each primary-key range ends a unit, so it is one gzip member or more.
  stream::OutputOptions oopts;
  oopts.overwrite = force;
  oopts.compress.threads = threads;
  DW_ASSIGN_OR_RETURN(auto file, stream::OpenOutput(Env::Default(), output, oopts));
  Sink* out = file->sink();
  DW_ASSIGN_OR_RETURN(auto snap, jobs::SqlSnapshot::Open(spec, threads));
  if (tables.empty()) {
    for (std::string_view t : jobs::DefaultSqlDumpTables()) tables.emplace_back(t);
  }
  DW_RETURN_IF_ERROR(jobs::WriteSqlDumpHeader(*snap, out));
  uint64_t rows = 0, bytes = 0;
  double seconds = 0;
  for (const auto& table : tables) {
    DW_ASSIGN_OR_RETURN(bool exists, snap->connection(0).TableExists(table));
    if (!exists) {
      LogWarn("sqldump: skipped table {}{}: it does not exist in {}", spec.prefix, table,
              spec.Describe());
      ++*skipped;
      continue;
    }
    DW_ASSIGN_OR_RETURN(auto st, jobs::DumpSqlTable(*snap, table, options, out));
    LogInfo("sqldump: {}{}: {} rows, {:.1f} MB of SQL in {:.2f} s ({} range{})", spec.prefix, table,
            st.rows, st.bytes / 1e6, st.seconds, st.ranges, st.ranges == 1 ? "" : "s");
    rows += st.rows;
    bytes += st.bytes;
    seconds += st.seconds;
  }
  DW_RETURN_IF_ERROR(jobs::WriteSqlDumpFooter(out));
  DW_RETURN_IF_ERROR(file->Publish());
  if (seconds > 0) {
    LogInfo("sqldump: {} rows, {:.1f} MB in {:.2f} s: {:.0f} rows/s, {:.1f} MB/s", rows,
            bytes / 1e6, seconds, rows / seconds, bytes / 1e6 / seconds);
  }
  return Status::OK();
}

}  // namespace

int RunSqldump(int argc, char** argv) {
  CLI::App app{
      "Dumps tables of a wiki database as SQL, in the form of mariadb-dump --opt --quick "
      "--skip-add-locks --skip-lock-tables, from one consistent snapshot.",
      "dumpworks sqldump"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  WikiOptions where;
  std::string output = "-";
  std::vector<std::string> table_args;
  uint64_t net_buffer_length = format::kDefaultNetBufferLength;
  uint64_t max_allowed_packet = 0;
  int threads = 2;
  bool force = false;
  uint64_t range_size = 0;
  AddWikiOptions(app, &where);
  app.add_option("--table", table_args,
                 "tables to dump, comma-separated (default: Wikimedia's public tables)");
  app.add_option("--output", output, "gzip:PATH, file:PATH or - (stdout, the default)");
  app.add_option("--net-buffer-length", net_buffer_length,
                 "split extended INSERTs below this many bytes (as mariadb-dump; default "
                 "1046528)")
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 30));
  app.add_option("--max-allowed-packet", max_allowed_packet,
                 "never write a statement longer than this (lowers --net-buffer-length)")
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 30));
  app.add_option("--threads", threads, "connections reading in parallel (default 2)")
      ->check(CLI::Range(1, 64));
  app.add_flag("--force", force, "replace an existing output file");
  app.add_option("--range-size", range_size,
                 "SQL bytes per primary-key range read in parallel (default 4 MiB; tables "
                 "under four times this are read in one query)")
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 40));
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  auto resolved = ResolveWiki(where);
  if (!resolved.ok()) {
    PrintError("sqldump", resolved.status().message());
    return kExitUsage;
  }
  jobs::SqlDumpOptions options;
  options.net_buffer_length = net_buffer_length;
  if (max_allowed_packet && max_allowed_packet < options.net_buffer_length) {
    options.net_buffer_length = max_allowed_packet;
  }
  if (range_size) {
    options.range_bytes = range_size;
    options.min_split_bytes = 4 * range_size;
  }
  int skipped = 0;
  Status st =
      Run(resolved->db_url, SplitList(table_args), output, options, threads, force, &skipped);
  if (!st.ok()) {
    PrintError("sqldump", st.message());
    return st.IsInvalidArgument() || st.IsAlreadyExists() ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace dw::cli
