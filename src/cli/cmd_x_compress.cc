// dumpworks x-compress: (hidden) recompresses a file through the stream layer.
// Used by bench/compress.sh to time our compressors against the standard tools:
//   dumpworks x-compress IN -o bzip2:OUT [--threads N] [--level L] [--digests md5,sha1]
// The input is decompressed if compressed (gzip, bzip2, zstd are detected).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <vector>

#include "base/log.h"
#include "cli/command.h"
#include "env/env.h"
#include "stream/input.h"
#include "stream/output.h"

namespace dw::cli {

int RunXCompress(int argc, char** argv) {
  CLI::App app{"recompress a file through dumpworks' stream layer (benchmarks, tests)",
               "dumpworks x-compress"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  std::string input, output;
  std::string digests;
  stream::OutputOptions opts;
  app.add_option("input", input, "input file, or - for stdin (compression is detected)")
      ->required();
  app.add_option("-o,--output", output,
                 "output: PATH (compression from .gz/.bz2/.zst), gzip:PATH, bzip2:PATH, "
                 "zstd:PATH, file:PATH, or - for stdout")
      ->required();
  app.add_option("-t,--threads", opts.compress.threads, "compression threads (0 = all cores)");
  app.add_option("-l,--level", opts.compress.level, "compression level (0 = default)");
  app.add_flag("-f,--force", opts.overwrite, "replace an existing output file");
  app.add_option("--digests", digests, "digests of the output to print: md5,sha1,sha256,xxh128");
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  auto kinds = stream::ParseHashKinds(digests);
  if (!kinds.ok()) {
    PrintError("x-compress", kinds.status().ToString());
    return kExitUsage;
  }
  opts.digests = *kinds;
  Env* env = Env::Default();
  auto src = stream::OpenInput(env, input);
  if (!src.ok()) {
    PrintError("x-compress", src.status().ToString());
    return kExitFailure;
  }
  auto out = stream::OpenOutput(env, output, opts);
  if (!out.ok()) {
    PrintError("x-compress", out.status().ToString());
    return out.status().IsInvalidArgument() ? kExitUsage : kExitFailure;
  }
  bool tty = ::isatty(2) && !common.quiet;
  uint64_t input_size = 0;
  if (input != "-") {
    auto size = env->GetFileSize(input);
    if (size.ok()) input_size = *size;
  }
  int64_t start = env->MonotonicMicros(), last = start;
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  Status s;
  while (s.ok()) {
    auto n = (*src)->Read(buf.data(), buf.size());
    if (!n.ok()) {
      s = n.status();
      break;
    }
    if (*n == 0) break;
    s = (*out)->sink()->Append(std::string_view(buf.data(), *n));
    total += *n;
    int64_t now = env->MonotonicMicros();
    if (tty && now - last > 1'000'000) {
      last = now;
      double rate = total / ((now - start) / 1e6);
      // ETA only for plain input, whose size is the number of bytes to read.
      if (input_size > 0 && stream::DetectedCompression(**src) == stream::Compression::kNone &&
          rate > 0) {
        std::fprintf(stderr, "\r%.0f / %.0f MB, %.1f MB/s, ETA %.0f s   ", total / 1e6,
                     input_size / 1e6, rate / 1e6, (input_size - total) / rate);
      } else {
        std::fprintf(stderr, "\r%.0f MB in, %.1f MB/s   ", total / 1e6, rate / 1e6);
      }
    }
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (s.ok()) s = (*out)->Publish();
  if (!s.ok()) {
    (*out)->Abandon();
    PrintError("x-compress", s.ToString());
    return kExitFailure;
  }
  double secs = (env->MonotonicMicros() - start) / 1e6;
  LogInfo("x-compress: {} bytes -> {} bytes ({}) in {:.2f} s, {:.1f} MB/s", total,
          (*out)->bytes_out(), stream::CompressionName((*out)->compression()), secs,
          secs > 0 ? total / secs / 1e6 : 0.0);
  const auto& d = (*out)->digests();
  for (auto [kind, name] :
       {std::pair{stream::kMd5, "md5"}, std::pair{stream::kSha1, "sha1"},
        std::pair{stream::kSha256, "sha256"}, std::pair{stream::kXxh128, "xxh128"}}) {
    if (opts.digests & kind)
      std::printf("%s  %s  (%s)\n", d.Get(kind).c_str(), output.c_str(), name);
  }
  return kExitOk;
}

}  // namespace dw::cli
