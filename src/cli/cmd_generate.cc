// dumpworks generate: writes the synthetic wiki (testing/generator.h) as
// MediaWiki export XML, plain or compressed by the output name's suffix.
#include <bzlib.h>
#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "base/log.h"
#include "cli/command.h"
#include "env/env.h"
#include "testing/generator.h"

namespace dw::cli {
namespace {

// The last Sink of the chain: a WritableFile from Env.
// TODO(stream): use the stream module's file and compressor sinks once they are
// in main; these three small sinks only exist so that `generate` stands alone.
class FileSink : public Sink {
 public:
  explicit FileSink(std::unique_ptr<WritableFile> f) : f_(std::move(f)) {}
  Status Append(std::string_view d) override {
    in_ += d.size();
    return f_->Append(d);
  }
  Status EndUnit(OffsetCallback cb) override {
    if (cb) cb(in_);
    return Status::OK();
  }
  Status Close() override { return f_->Close(); }
  uint64_t BytesIn() const override { return in_; }

 private:
  std::unique_ptr<WritableFile> f_;
  uint64_t in_ = 0;
};

class GzipSink : public Sink {
 public:
  GzipSink(std::unique_ptr<Sink> next, std::string name) : next_(std::move(next)), name_(name) {
    ok_ = deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipSink() override { deflateEnd(&z_); }
  Status Append(std::string_view d) override {
    in_ += d.size();
    return Run(d, Z_NO_FLUSH);
  }
  Status EndUnit(OffsetCallback) override { return Status::NotSupported("gzip units"); }
  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    DW_RETURN_IF_ERROR(Run({}, Z_FINISH));
    return next_->Close();
  }
  uint64_t BytesIn() const override { return in_; }

 private:
  Status Run(std::string_view d, int flush) {
    if (!ok_) return Status::IOError("gzip init failed for " + name_);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(d.data()));
    z_.avail_in = static_cast<uInt>(d.size());
    char buf[1 << 16];
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof(buf);
      rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return Status::IOError("gzip failed for " + name_);
      DW_RETURN_IF_ERROR(next_->Append({buf, sizeof(buf) - z_.avail_out}));
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return Status::OK();
  }
  std::unique_ptr<Sink> next_;
  std::string name_;
  z_stream z_{};
  bool ok_ = false, closed_ = false;
  uint64_t in_ = 0;
};

class Bzip2Sink : public Sink {
 public:
  Bzip2Sink(std::unique_ptr<Sink> next, std::string name) : next_(std::move(next)), name_(name) {
    ok_ = BZ2_bzCompressInit(&z_, 9, 0, 0) == BZ_OK;
  }
  ~Bzip2Sink() override { BZ2_bzCompressEnd(&z_); }
  Status Append(std::string_view d) override {
    in_ += d.size();
    return Run(d, BZ_RUN);
  }
  Status EndUnit(OffsetCallback) override { return Status::NotSupported("bzip2 units"); }
  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    DW_RETURN_IF_ERROR(Run({}, BZ_FINISH));
    return next_->Close();
  }
  uint64_t BytesIn() const override { return in_; }

 private:
  Status Run(std::string_view d, int action) {
    if (!ok_) return Status::IOError("bzip2 init failed for " + name_);
    z_.next_in = const_cast<char*>(d.data());
    z_.avail_in = static_cast<unsigned>(d.size());
    char buf[1 << 16];
    int rc;
    do {
      z_.next_out = buf;
      z_.avail_out = sizeof(buf);
      rc = BZ2_bzCompress(&z_, action);
      if (rc < 0) return Status::IOError("bzip2 failed for " + name_);
      DW_RETURN_IF_ERROR(next_->Append({buf, sizeof(buf) - z_.avail_out}));
    } while (action == BZ_FINISH ? rc != BZ_STREAM_END : z_.avail_in > 0);
    return Status::OK();
  }
  std::unique_ptr<Sink> next_;
  std::string name_;
  bz_stream z_{};
  bool ok_ = false, closed_ = false;
  uint64_t in_ = 0;
};

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Writes `path` through a temporary name, renamed only when complete.
Status WriteOutput(Env* env, const std::string& path, bool force,
                   const std::function<Status(Sink*)>& fill) {
  if (!force && env->FileExists(path)) {
    return Status::AlreadyExists(path + " exists (use --force to replace it)");
  }
  const std::string tmp = path + ".inprog." + std::to_string(getpid());
  DW_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp, OpenMode::kTruncate));
  std::unique_ptr<Sink> sink = std::make_unique<FileSink>(std::move(file));
  if (EndsWith(path, ".gz"))
    sink = std::make_unique<GzipSink>(std::move(sink), path);
  else if (EndsWith(path, ".bz2"))
    sink = std::make_unique<Bzip2Sink>(std::move(sink), path);
  Status st = fill(sink.get());
  if (st.ok()) st = sink->Close();
  if (st.ok()) st = env->RenameFile(tmp, path, /*replace=*/force);
  if (!st.ok()) {
    (void)sink->Close();
    (void)env->RemoveFile(tmp);
  }
  return st;
}

}  // namespace

int RunGenerate(int argc, char** argv) {
  CLI::App app{
      "Writes a deterministic synthetic wiki (same options, same bytes) as MediaWiki export "
      "XML 0.11 in the two-pass form; .gz/.bz2 output names are compressed.",
      "dumpworks generate"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  testing::GeneratorOptions o;
  std::string out, siteinfo_out;
  bool force = false;
  app.add_option("--pages", o.pages, "number of pages")->capture_default_str();
  app.add_option("--revisions", o.revisions, "total number of revisions (>= pages)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--dbname", o.dbname, "<dbname> of the wiki")->capture_default_str();
  app.add_option("--sitename", o.sitename, "<sitename> (also the project namespace)")
      ->capture_default_str();
  app.add_option("--out", out, "output file: FILE.xml, FILE.xml.gz, FILE.xml.bz2, - for stdout")
      ->required();
  app.add_option("--siteinfo-out", siteinfo_out, "also write the api.php siteinfo JSON here");
  app.add_flag("--force", force, "replace existing output files");
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  Env* env = Env::Default();
  const bool tty = isatty(STDERR_FILENO) && !common.quiet;
  const int64_t t0 = env->MonotonicMicros();
  auto progress = [&](uint64_t done) {
    if (!tty) return;
    const double s = static_cast<double>(env->MonotonicMicros() - t0) / 1e6;
    const double rate = s > 0 ? static_cast<double>(done) / s : 0;
    const double eta = rate > 0 ? static_cast<double>(o.revisions - done) / rate : 0;
    fmt::print(stderr, "\rgenerate: {}/{} revisions, {:.0f} rev/s, ETA {:.0f}s   ", done,
               o.revisions, rate, eta);
    if (done == o.revisions) fmt::print(stderr, "\n");
  };
  testing::GeneratorStats stats;
  Status st;
  if (out == "-") {
    struct StdoutSink : Sink {
      uint64_t n = 0;
      Status Append(std::string_view d) override {
        n += d.size();
        if (fwrite(d.data(), 1, d.size(), stdout) != d.size())
          return Status::IOError("write to stdout failed");
        return Status::OK();
      }
      Status EndUnit(OffsetCallback) override { return Status::OK(); }
      Status Close() override {
        return fflush(stdout) == 0 ? Status::OK() : Status::IOError("write to stdout failed");
      }
      uint64_t BytesIn() const override { return n; }
    } sink;
    st = testing::GenerateWiki(o, &sink, &stats, progress);
    if (st.ok()) st = sink.Close();
  } else {
    st = WriteOutput(env, out, force,
                     [&](Sink* s) { return testing::GenerateWiki(o, s, &stats, progress); });
  }
  if (st.ok() && !siteinfo_out.empty()) {
    const std::string json = testing::GenerateSiteinfoJson(o);
    st = WriteOutput(env, siteinfo_out, force, [&](Sink* s) { return s->Append(json); });
  }
  if (!st.ok()) {
    PrintError("generate", st.ToString());
    return st.IsInvalidArgument() || st.IsAlreadyExists() ? kExitUsage : kExitFailure;
  }
  LogInfo(
      "generate: {} pages, {} revisions ({} by IP, {} minor, {} redirects, {} users), {} "
      "bytes of text -> {}",
      stats.pages, stats.revisions, stats.anonymous, stats.minor, stats.redirects, stats.users,
      stats.text_bytes, out);
  return kExitOk;
}

}  // namespace dw::cli
