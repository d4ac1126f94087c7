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
#include "stream/output.h"
#include "testing/generator.h"

namespace dw::cli {
namespace {

// Writes `spec` (a path, compressed by its suffix, or - for stdout) through the
// stream module's output chain: a temporary name, renamed only when complete.
Status WriteOutput(Env* env, const std::string& spec, bool overwrite,
                   const std::function<Status(Sink*)>& fill) {
  stream::OutputOptions oo;
  oo.overwrite = overwrite;
  DW_ASSIGN_OR_RETURN(auto out, stream::OpenOutput(env, spec, oo));
  Status st = fill(out->sink());
  if (!st.ok()) {
    out->Abandon();
    return st;
  }
  return out->Publish();
}

}  // namespace

int RunGenerate(int argc, char** argv) {
  CLI::App app{
      "Writes a deterministic synthetic wiki (same options, same bytes) as MediaWiki export "
      "XML 0.11 in the two-pass form; .gz/.bz2/.zst output names are compressed.",
      "dumpworks generate"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  testing::GeneratorOptions o;
  std::string out, siteinfo_out;
  bool overwrite = false;
  app.add_option("--pages", o.pages, "number of pages")->capture_default_str();
  app.add_option("--revisions", o.revisions, "total number of revisions (>= pages)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--dbname", o.dbname, "<dbname> of the wiki")->capture_default_str();
  app.add_option("--sitename", o.sitename, "<sitename> (also the project namespace)")
      ->capture_default_str();
  app.add_option("--out", out,
                 "output: FILE.xml[.gz|.bz2|.zst], gzip:FILE, bzip2:FILE, - for stdout")
      ->required();
  app.add_option("--siteinfo-out", siteinfo_out, "also write the api.php siteinfo JSON here");
  app.add_flag("--overwrite", overwrite, "replace existing output files");
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
  Status st = WriteOutput(env, out, overwrite, [&](Sink* sink) {
    return testing::GenerateWiki(o, sink, &stats, progress);
  });
  if (st.ok() && !siteinfo_out.empty()) {
    const std::string json = testing::GenerateSiteinfoJson(o);
    st = WriteOutput(env, siteinfo_out, overwrite, [&](Sink* s) { return s->Append(json); });
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
