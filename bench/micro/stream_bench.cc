// Micro-benchmarks of the stream layer: compressors, the bzip2 block encoder
// against libbz2, digests, decompression. Input: synthetic wiki-like XML.
//   build/dumpworks_bench --benchmark_filter=Stream
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "stream/bzip2_encoder.h"
#include "stream/compress.h"
#include "stream/file_sink.h"
#include "stream/hash.h"
#include "stream/input.h"

namespace {

using namespace dw::stream;

// Revisions of a few pages, each a small edit of the previous one (like a
// history dump: long repeats, which is what makes bzip2's block sort work hard).
const std::string& Xml() {
  static const std::string data = [] {
    std::mt19937 rng(42);
    static const char* kWords[] = {"lorem",    "ipsum", "dolor", "sit",  "amet", "[[Link]]",
                                   "{{Cite}}", "&amp;", "wiki",  "page", "\n"};
    std::string out;
    while (out.size() < 16'000'000) {
      std::string text;
      for (int w = 0; w < 400; ++w) text += std::string(kWords[rng() % 11]) + " ";
      for (int rev = 0; rev < 10; ++rev) {
        text.insert(rng() % text.size(), kWords[rng() % 11]);
        out += "  <revision>\n    <id>" + std::to_string(rng()) +
               "</id>\n    <text xml:space=\"preserve\">" + text + "</text>\n  </revision>\n";
      }
    }
    return out;
  }();
  return data;
}

void RunSink(benchmark::State& state, Compression c, int threads) {
  const std::string& in = Xml();
  size_t out_bytes = 0;
  for (auto _ : state) {
    std::string out;
    StringSink sink(&out);
    CompressOptions o;
    o.threads = threads;
    auto comp = std::move(*NewCompressor(c, &sink, o));
    for (size_t p = 0; p < in.size(); p += 1 << 20)
      benchmark::DoNotOptimize(comp->Append(std::string_view(in).substr(p, 1 << 20)).ok());
    benchmark::DoNotOptimize(comp->Close().ok());
    out_bytes = out.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = static_cast<double>(out_bytes) / static_cast<double>(in.size());
}

void BM_StreamBzip2Sink(benchmark::State& s) {
  RunSink(s, Compression::kBzip2, static_cast<int>(s.range(0)));
}
void BM_StreamGzipSink(benchmark::State& s) { RunSink(s, Compression::kGzip, 1); }
void BM_StreamZstdSink(benchmark::State& s) {
  RunSink(s, Compression::kZstd, static_cast<int>(s.range(0)));
}
BENCHMARK(BM_StreamBzip2Sink)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_StreamGzipSink)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_StreamZstdSink)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One 899,981-byte block: our encoder vs libbz2, single thread.
void RunBlock(benchmark::State& state, bool ours) {
  std::string_view block = std::string_view(Xml()).substr(0, 899'981);
  size_t out_bytes = 0;
  for (auto _ : state) {
    std::string out;
    benchmark::DoNotOptimize(
        (ours ? Bzip2CompressStream(block, 9, &out) : Bzip2CompressStreamLibbz2(block, 9, &out))
            .ok());
    out_bytes = out.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * block.size()));
  state.counters["ratio"] = static_cast<double>(out_bytes) / static_cast<double>(block.size());
}
void BM_StreamBzip2BlockOurs(benchmark::State& s) { RunBlock(s, true); }
void BM_StreamBzip2BlockLibbz2(benchmark::State& s) { RunBlock(s, false); }
BENCHMARK(BM_StreamBzip2BlockOurs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamBzip2BlockLibbz2)->Unit(benchmark::kMillisecond);

void BM_StreamHasher(benchmark::State& state) {
  const std::string& in = Xml();
  unsigned kinds = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    Hasher h(kinds);
    h.Update(in);
    benchmark::DoNotOptimize(h.Finish());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_StreamHasher)
    ->Arg(kMd5)
    ->Arg(kSha1)
    ->Arg(kSha256)
    ->Arg(kXxh128)
    ->Arg(kMd5 | kSha1)
    ->Unit(benchmark::kMillisecond);

void BM_StreamDecompress(benchmark::State& state) {
  const std::string& in = Xml();
  std::string z;
  {
    StringSink sink(&z);
    auto comp = std::move(*NewCompressor(static_cast<Compression>(state.range(0)), &sink, {}));
    (void)comp->Append(in);
    (void)comp->Close();
  }
  std::string buf(1 << 20, '\0');
  for (auto _ : state) {
    auto src = WrapDecompressor(NewStringSource(z), "bench");
    while (true) {
      auto n = src->Read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_StreamDecompress)
    ->Arg(static_cast<int>(Compression::kGzip))
    ->Arg(static_cast<int>(Compression::kBzip2))
    ->Arg(static_cast<int>(Compression::kZstd))
    ->Unit(benchmark::kMillisecond);

}  // namespace
