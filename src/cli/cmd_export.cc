// dumpworks export: the dumpBackup.php of dumpworks (see docs/export.md).
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "cli/command.h"
#include "db/database.h"
#include "env/env.h"
#include "jobs/export.h"
#include "mw/siteinfo.h"
#include "stream/sink.h"

namespace dw::cli {
namespace {

// A plain file written under a temporary name and published (renamed) only by
// Publish(), after everything was written. Until stream/output.h lands in main.
class TempFileSink final : public Sink {
 public:
  static Result<std::unique_ptr<TempFileSink>> Open(Env* env, const std::string& path,
                                                    bool overwrite) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      // A device or a pipe (/dev/null, /dev/stdout, a FIFO): written directly,
      // never replaced by a rename.
      DW_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path, OpenMode::kTruncate));
      auto sink = std::unique_ptr<TempFileSink>(
          new TempFileSink(env, path, std::string(), std::move(file), false));
      sink->direct_ = true;
      return sink;
    }
    if (!overwrite && env->FileExists(path)) {
      return Status::AlreadyExists(path + ": exists (use --overwrite to replace it)");
    }
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    DW_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp, OpenMode::kCreateExclusive));
    return std::unique_ptr<TempFileSink>(
        new TempFileSink(env, path, std::move(tmp), std::move(file), overwrite));
  }
  ~TempFileSink() override {
    if (!published_ && !direct_) {
      (void)file_->Close();
      (void)env_->RemoveFile(tmp_);
    }
  }
  Status Append(std::string_view data) override {
    bytes_ += data.size();
    return file_->Append(data);
  }
  Status EndUnit(OffsetCallback cb) override {
    if (cb) cb(bytes_);
    return Status::OK();
  }
  Status Close() override { return file_->Close(); }
  uint64_t BytesIn() const override { return bytes_; }
  Status Publish() {
    DW_RETURN_IF_ERROR(file_->Close());
    if (direct_) return Status::OK();
    DW_RETURN_IF_ERROR(env_->RenameFile(tmp_, path_, overwrite_));
    published_ = true;
    return Status::OK();
  }

 private:
  TempFileSink(Env* env, std::string path, std::string tmp, std::unique_ptr<WritableFile> f,
               bool overwrite)
      : env_(env),
        path_(std::move(path)),
        tmp_(std::move(tmp)),
        file_(std::move(f)),
        overwrite_(overwrite) {}
  Env* env_;
  std::string path_, tmp_;
  std::unique_ptr<WritableFile> file_;
  bool overwrite_;
  bool published_ = false;
  bool direct_ = false;
  uint64_t bytes_ = 0;
};

class StdoutSink final : public Sink {
 public:
  Status Append(std::string_view data) override {
    bytes_ += data.size();
    while (!data.empty()) {
      ssize_t n = ::write(1, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno("write to standard output", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }
  Status EndUnit(OffsetCallback cb) override {
    if (cb) cb(bytes_);
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t BytesIn() const override { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

class ProgressPrinter final : public jobs::ExportObserver {
 public:
  ProgressPrinter() : start_(std::chrono::steady_clock::now()), tty_(::isatty(2) != 0) {}
  void OnProgress(const jobs::ExportStats& s, int64_t last_page, int64_t max_page) override {
    if (!tty_ || GetLogLevel() > LogLevel::kInfo) return;
    double secs = Seconds();
    double rate = secs > 0 ? static_cast<double>(s.revisions + s.logitems) / secs : 0;
    std::string eta;
    if (max_page > 0 && last_page > 0 && last_page <= max_page) {
      double done = static_cast<double>(last_page) / static_cast<double>(max_page);
      if (done > 0) eta = fmt::format(", ETA {:.0f} s", secs / done - secs);
    }
    std::fprintf(stderr, "\rexport: %lld pages, %lld revisions, %.0f rev/s, %.1f MB text%s   ",
                 static_cast<long long>(s.pages), static_cast<long long>(s.revisions), rate,
                 static_cast<double>(s.text_bytes) / 1e6, eta.c_str());
    printed_ = true;
  }
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void Done() {
    if (printed_) std::fputc('\n', stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_;
  bool tty_;
  bool printed_ = false;
};

struct OutputSpec {
  std::string kind;  // "file" or "-"
  std::string path;
  std::vector<std::string> filters;
};

// dumpBackup.php's --output/--filter pairing: each --filter belongs to the
// --output before it. CLI11 does not keep that interleaving, so read it from argv.
Result<std::vector<OutputSpec>> ScanOutputs(int argc, char** argv) {
  std::vector<OutputSpec> outs;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::string value;
    bool is_output = false, is_filter = false;
    if (a.starts_with("--output=")) {
      is_output = true;
      value = std::string(a.substr(9));
    } else if (a == "--output" && i + 1 < argc) {
      is_output = true;
      value = argv[++i];
    } else if (a.starts_with("--filter=")) {
      is_filter = true;
      value = std::string(a.substr(9));
    } else if (a == "--filter" && i + 1 < argc) {
      is_filter = true;
      value = argv[++i];
    } else if (a == "--") {
      break;
    }
    if (is_output) {
      OutputSpec o;
      if (value == "-") {
        o.kind = "-";
      } else {
        auto colon = value.find(':');
        if (colon == std::string::npos) {
          o.kind = "file";
          o.path = value;
        } else {
          o.kind = value.substr(0, colon);
          o.path = value.substr(colon + 1);
        }
        if (o.path == "-") o.kind = "-";
        if (o.kind != "file" && o.kind != "-") {
          if (o.kind == "gzip" || o.kind == "bzip2" || o.kind == "zstd") {
            return Status::NotSupported("--output " + value + ": " + o.kind +
                                        " output is not available in this build yet");
          }
          return Status::InvalidArgument("--output " + value +
                                         ": unknown kind (file:, gzip:, bzip2:, zstd:, -)");
        }
        if (o.kind == "file" && o.path.empty()) {
          return Status::InvalidArgument("--output " + value + ": missing path");
        }
      }
      outs.push_back(std::move(o));
    } else if (is_filter) {
      if (outs.empty()) outs.push_back(OutputSpec{"-", "", {}});
      outs.back().filters.push_back(value);
    }
  }
  if (outs.empty()) outs.push_back(OutputSpec{"-", "", {}});
  return outs;
}

}  // namespace

int RunExport(int argc, char** argv) {
  CLI::App app{"Writes a wiki's pages (or logs) as MediaWiki export XML, like dumpBackup.php",
               "dumpworks export"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  std::string db_url, siteinfo_path, schema = "0.11", form = "onepass";
  bool full = false, current = false, logs = false, stub = false, revrange = false;
  bool skip_header = false, skip_footer = false, overwrite = false;
  std::optional<int64_t> start, end, revstart, revend;
  std::vector<std::string> outputs_raw, filters_raw;
  int batch = 10000;
  app.add_option("--db", db_url,
                 "the wiki database: sqlite:PATH or "
                 "mariadb://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?socket=PATH&prefix=PFX]")
      ->required();
  app.add_option("--siteinfo", siteinfo_path,
                 "api.php siteinfo JSON file (siprop=general|namespaces|namespacealiases)");
  auto* g = app.add_option_group("what", "what to dump (one of)");
  g->add_flag("--full", full, "every revision");
  g->add_flag("--current", current, "the latest revision of each page");
  g->add_flag("--logs", logs, "log items instead of pages");
  g->add_flag("--revrange", revrange, "revisions --revstart..--revend (with --full history)");
  g->require_option(1);
  app.add_flag("--stub", stub, "no text: <text location=.. id=.. /> (for a two-pass dump)");
  app.add_option("--start", start, "first page id (log id with --logs)");
  app.add_option("--end", end, "stop before this page id (log id with --logs)");
  app.add_option("--revstart", revstart, "first revision id");
  app.add_option("--revend", revend, "stop before this revision id");
  app.add_option("--filter", filters_raw,
                 "latest | notalk | namespace:LIST | namespace:!LIST, for the --output before it")
      ->take_all();
  app.add_option("--output", outputs_raw, "file:PATH | gzip:PATH | bzip2:PATH | zstd:PATH | -")
      ->take_all();
  app.add_option("--schema-version", schema, "0.10 or 0.11")
      ->check(CLI::IsMember({"0.10", "0.11"}));
  app.add_option("--form", form,
                 "onepass (dumpBackup.php's bytes) or twopass (dumpTextPass.php's bytes)")
      ->check(CLI::IsMember({"onepass", "twopass"}));
  app.add_flag("--skip-header", skip_header, "no <mediawiki> header and <siteinfo>");
  app.add_flag("--skip-footer", skip_footer, "no </mediawiki> footer");
  app.add_flag("--overwrite", overwrite, "replace existing output files");
  app.add_option("--batch-size", batch, "pages per database query")->check(CLI::Range(1, 10000000));
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  auto specs = ScanOutputs(argc, argv);
  if (!specs.ok()) {
    PrintError("export", specs.status().message());
    return kExitUsage;
  }
  auto spec = db::ParseDbUrl(db_url);
  if (!spec.ok()) {
    PrintError("export", spec.status().message());
    return kExitUsage;
  }
  spec->read_only = true;

  mw::SiteInfo site;
  if (!siteinfo_path.empty()) {
    auto s = mw::SiteInfo::Load(siteinfo_path);
    if (!s.ok()) {
      PrintError("export", s.status().message());
      return kExitUsage;
    }
    site = std::move(*s);
  } else {
    std::string name = spec->backend == db::Backend::kSqlite ? BaseName(spec->path) : spec->dbname;
    if (auto dot = name.find('.'); dot != std::string::npos) name = name.substr(0, dot);
    site = mw::SiteInfo::Defaults(name);
  }

  jobs::ExportOptions opt;
  opt.history = logs      ? jobs::History::kLogs
                : current ? jobs::History::kCurrent
                          : jobs::History::kFull;
  opt.stub = stub;
  opt.start = start;
  opt.end = end;
  opt.rev_start = revstart;
  opt.rev_end = revend;
  opt.schema_version = schema;
  opt.form = form == "twopass" ? jobs::Form::kTwoPass : jobs::Form::kOnePass;
  opt.write_header = !skip_header;
  opt.write_footer = !skip_footer;
  opt.batch_size = batch;

  // Check everything that does not need the database before opening outputs.
  {
    std::vector<jobs::ExportOutput> probe(specs->size());
    StdoutSink dummy;
    for (size_t i = 0; i < specs->size(); ++i) {
      probe[i].sink = &dummy;
      probe[i].filters = (*specs)[i].filters;
    }
    Status st = jobs::ValidateExportOptions(opt, probe, &site);
    if (!st.ok()) {
      PrintError("export", st.message());
      return kExitUsage;
    }
  }

  auto conn = db::Connect(*spec);
  if (!conn.ok()) {
    PrintError("export", conn.status().message());
    return kExitFailure;
  }

  Env* env = Env::Default();
  std::vector<std::unique_ptr<TempFileSink>> files;
  std::unique_ptr<StdoutSink> stdout_sink;
  std::vector<jobs::ExportOutput> outputs(specs->size());
  for (size_t i = 0; i < specs->size(); ++i) {
    const OutputSpec& o = (*specs)[i];
    outputs[i].filters = o.filters;
    if (o.kind == "-") {
      if (!stdout_sink) stdout_sink = std::make_unique<StdoutSink>();
      outputs[i].sink = stdout_sink.get();
      continue;
    }
    auto f = TempFileSink::Open(env, o.path, overwrite);
    if (!f.ok()) {
      PrintError("export", f.status().message());
      return kExitFailure;
    }
    outputs[i].sink = f->get();
    files.push_back(std::move(*f));
  }

  ProgressPrinter progress;
  jobs::ExportStats stats;
  Status st = jobs::Export(**conn, site, opt, outputs, &progress, &stats);
  progress.Done();
  if (!st.ok()) {
    PrintError("export", st.message());
    return kExitFailure;  // temporary files are removed by the sinks' destructors
  }
  for (auto& f : files) {
    Status pst = f->Publish();
    if (!pst.ok()) {
      PrintError("export", pst.message());
      return kExitFailure;
    }
  }
  double secs = progress.Seconds();
  LogInfo("export: {} pages, {} revisions, {} log items in {:.2f} s ({:.0f} rev/s){}", stats.pages,
          stats.revisions, stats.logitems, secs,
          secs > 0 ? static_cast<double>(stats.revisions) / secs : 0.0,
          stats.problems.empty() ? std::string()
                                 : fmt::format(", {} problem revisions", stats.problems.size()));
  return stats.problems.empty() ? kExitOk : kExitPartial;
}

}  // namespace dw::cli
