// dumpworks sqldump: tables of a wiki database as mariadb-dump would write them.
#include <libdeflate.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <deque>
#include <future>
#include <string>
#include <vector>

#include "base/log.h"
#include "cli/command.h"
#include "db/database.h"
#include "db/mariadb.h"
#include "env/env.h"
#include "jobs/sqldump.h"

namespace dw::cli {
namespace {

// --- Output: a minimal private writer until stream/output.h is in main. ---
// Plain or gzip (concatenated members, compressed by libdeflate on up to
// `threads` threads, written in order) into PATH.tmp.<pid>, renamed to PATH by
// Publish() only when everything was written; stdout for "-".
class FileOutput final : public Sink {
 public:
  static Result<std::unique_ptr<FileOutput>> Open(const std::string& spec, bool force,
                                                  int threads) {
    std::unique_ptr<FileOutput> o(new FileOutput());
    std::string path = spec;
    if (spec.rfind("gzip:", 0) == 0) {
      o->gzip_ = true;
      path = spec.substr(5);
    } else if (spec.rfind("file:", 0) == 0) {
      path = spec.substr(5);
    } else if (spec != "-") {
      return Status::InvalidArgument("--output " + spec + ": expected gzip:PATH, file:PATH or -");
    }
    o->threads_ = std::max(threads, 1);
    if (path == "-") {
      o->stdout_ = true;
      return o;
    }
    Env* env = Env::Default();
    if (!force && env->FileExists(path)) {
      return Status::AlreadyExists(path + ": exists (use --force to replace it)");
    }
    o->path_ = path;
    o->tmp_ = path + ".tmp." + std::to_string(getpid());
    DW_ASSIGN_OR_RETURN(o->file_, env->NewWritableFile(o->tmp_, OpenMode::kTruncate));
    return o;
  }
  ~FileOutput() override {
    if (!tmp_.empty() && !published_) {
      if (file_) (void)file_->Close();
      (void)Env::Default()->RemoveFile(tmp_);
    }
  }

  Status Append(std::string_view data) override {
    DW_RETURN_IF_ERROR(status_);
    bytes_in_ += data.size();
    while (!data.empty()) {
      size_t n = std::min(data.size(), kBlock - buf_.size());
      buf_.append(data.substr(0, n));
      data.remove_prefix(n);
      if (buf_.size() >= kBlock) DW_RETURN_IF_ERROR(Cut());
    }
    return Status::OK();
  }
  Status EndUnit(OffsetCallback cb) override {
    DW_RETURN_IF_ERROR(Cut());
    if (cb) {
      DW_RETURN_IF_ERROR(Drain(0));
      cb(bytes_out_);
    }
    return Status::OK();
  }
  Status Close() override {
    if (closed_) return status_;
    closed_ = true;
    Status st = Cut();
    if (st.ok()) st = Drain(0);
    if (st.ok() && file_) st = file_->Sync();
    if (st.ok() && file_) st = file_->Close();
    if (!st.ok()) status_ = st;
    return status_;
  }
  uint64_t BytesIn() const override { return bytes_in_; }
  // Renames the finished file into place (after Close() succeeded).
  Status Publish(bool force) {
    if (stdout_) return Status::OK();
    DW_RETURN_IF_ERROR(Env::Default()->RenameFile(tmp_, path_, force));
    published_ = true;
    return Status::OK();
  }
  const std::string& path() const { return path_; }

 private:
  static constexpr size_t kBlock = 4 << 20;
  FileOutput() = default;

  static std::string Compress(std::string in) {
    libdeflate_compressor* c = libdeflate_alloc_compressor(6);
    std::string out(libdeflate_gzip_compress_bound(c, in.size()), '\0');
    size_t n = libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size());
    libdeflate_free_compressor(c);
    out.resize(n);
    return out;
  }
  Status Cut() {
    DW_RETURN_IF_ERROR(status_);
    if (buf_.empty()) return Status::OK();
    std::string block;
    block.swap(buf_);
    if (!gzip_) return Write(block);
    pending_.push_back(std::async(std::launch::async, Compress, std::move(block)));
    return Drain(static_cast<size_t>(threads_));
  }
  // Writes finished blocks until at most `keep` are pending.
  Status Drain(size_t keep) {
    while (pending_.size() > keep) {
      std::string z = pending_.front().get();
      pending_.pop_front();
      DW_RETURN_IF_ERROR(Write(z));
    }
    return Status::OK();
  }
  Status Write(std::string_view data) {
    bytes_out_ += data.size();
    Status st;
    if (stdout_) {
      while (!data.empty()) {
        ssize_t n = ::write(1, data.data(), data.size());
        if (n < 0) {
          if (errno == EINTR) continue;
          st = Status::FromErrno("write to stdout", errno);
          break;
        }
        data.remove_prefix(static_cast<size_t>(n));
      }
    } else {
      st = file_->Append(data);
    }
    if (!st.ok()) status_ = st;
    return st;
  }

  bool gzip_ = false, stdout_ = false, closed_ = false, published_ = false;
  int threads_ = 1;
  std::string path_, tmp_, buf_;
  std::unique_ptr<WritableFile> file_;
  std::deque<std::future<std::string>> pending_;
  uint64_t bytes_in_ = 0, bytes_out_ = 0;
  Status status_;
};

// mariadb://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?socket=PATH&prefix=PFX]
// (db::ParseDbUrl replaces this once src/db/database.cc is in main.)
Result<db::DbSpec> ParseMariaDbUrl(const std::string& url) {
  const std::string scheme = "mariadb://";
  if (url.rfind(scheme, 0) != 0) {
    return Status::InvalidArgument("--db " + url +
                                   ": expected mariadb://USER[:PASSWORD]@HOST[:PORT]/DBNAME"
                                   "[?socket=PATH&prefix=PFX]");
  }
  db::DbSpec s;
  s.backend = db::Backend::kMariaDB;
  std::string rest = url.substr(scheme.size());
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  auto at = rest.rfind('@');
  auto slash = rest.find('/', at == std::string::npos ? 0 : at);
  if (at == std::string::npos || slash == std::string::npos || slash + 1 >= rest.size()) {
    return Status::InvalidArgument("--db mariadb://...: expected USER@HOST/DBNAME");
  }
  std::string userinfo = rest.substr(0, at);
  std::string hostport = rest.substr(at + 1, slash - at - 1);
  s.dbname = rest.substr(slash + 1);
  if (auto c = userinfo.find(':'); c != std::string::npos) {
    s.user = userinfo.substr(0, c);
    s.password = userinfo.substr(c + 1);
  } else {
    s.user = userinfo;
  }
  if (auto c = hostport.rfind(':'); c != std::string::npos) {
    s.host = hostport.substr(0, c);
    s.port = std::atoi(hostport.c_str() + c + 1);
  } else {
    s.host = hostport;
  }
  size_t p = 0;
  while (p < query.size()) {
    size_t amp = query.find('&', p);
    std::string kv = query.substr(p, amp == std::string::npos ? std::string::npos : amp - p);
    p = amp == std::string::npos ? query.size() : amp + 1;
    auto eq = kv.find('=');
    std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (k == "socket") {
      s.socket = v;
    } else if (k == "prefix") {
      s.prefix = v;
    } else if (!k.empty()) {
      return Status::InvalidArgument("--db: unknown parameter " + k);
    }
  }
  return s;
}

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
  DW_ASSIGN_OR_RETURN(db::DbSpec spec, ParseMariaDbUrl(db_url));
  DW_ASSIGN_OR_RETURN(auto out, FileOutput::Open(output, force, threads));
  DW_ASSIGN_OR_RETURN(auto snap, jobs::SqlSnapshot::Open(spec, threads));
  if (tables.empty()) {
    for (std::string_view t : jobs::DefaultSqlDumpTables()) tables.emplace_back(t);
  }
  DW_RETURN_IF_ERROR(jobs::WriteSqlDumpHeader(*snap, out.get()));
  uint64_t rows = 0, bytes = 0;
  double seconds = 0;
  for (const auto& table : tables) {
    DW_ASSIGN_OR_RETURN(bool exists, snap->connection(0).TableExists(table));
    if (!exists) {
      LogWarn("sqldump: skipped table {}{}: it does not exist in {}", spec.prefix, table,
              db::DescribeMariaDb(spec));
      ++*skipped;
      continue;
    }
    DW_ASSIGN_OR_RETURN(auto st, jobs::DumpSqlTable(*snap, table, options, out.get()));
    LogInfo("sqldump: {}{}: {} rows, {:.1f} MB of SQL in {:.2f} s ({} range{})", spec.prefix, table,
            st.rows, st.bytes / 1e6, st.seconds, st.ranges, st.ranges == 1 ? "" : "s");
    rows += st.rows;
    bytes += st.bytes;
    seconds += st.seconds;
  }
  DW_RETURN_IF_ERROR(jobs::WriteSqlDumpFooter(out.get()));
  DW_RETURN_IF_ERROR(out->Close());
  DW_RETURN_IF_ERROR(out->Publish(force));
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
  std::string db_url, output = "-";
  std::vector<std::string> table_args;
  uint64_t net_buffer_length = format::kDefaultNetBufferLength;
  uint64_t max_allowed_packet = 0;
  int threads = 2;
  bool force = false;
  uint64_t range_size = 0;
  app.add_option("--db", db_url,
                 "mariadb://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?socket=PATH&prefix=PFX]")
      ->required();
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
  Status st = Run(db_url, SplitList(table_args), output, options, threads, force, &skipped);
  if (!st.ok()) {
    PrintError("sqldump", st.message());
    return st.IsInvalidArgument() || st.IsAlreadyExists() ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

}  // namespace dw::cli
