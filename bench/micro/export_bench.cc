// Micro-benchmarks of the export's text path: what Xml::elementClean() costs
// per byte of revision text, the fused check+escape pass
// (mw::AppendEscapedIfClean) against the two passes it replaced
// (mw::NeedsCleanUp, then format::AppendXmlText), on ASCII wikitext, on
// interwiki-heavy text (ASCII with short runs of many scripts) and on
// multilingual prose (Cyrillic, CJK, Arabic, Devanagari, emoji), and on the
// texts of a wiki from the repo's generator (what bench/export.sh --generate
// exports), one call per revision text as the export makes them.
//   build/dumpworks_bench --benchmark_filter=Export
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "format/xml_reader.h"
#include "format/xml_writer.h"
#include "mw/utfnormal.h"
#include "stream/file_sink.h"
#include "testing/generator.h"

namespace {

std::string Make(const std::vector<std::string>& words, size_t size) {
  std::mt19937 rng(1);
  std::string out;
  while (out.size() < size) {
    out += words[rng() % words.size()];
    out += rng() % 12 == 0 ? "\n" : " ";
  }
  return out;
}

const std::string& Ascii() {
  static const std::string s =
      Make({"The", "quick", "brown", "fox", "[[Link|label]]", "{{Cite web|url=x}}", "'''bold'''",
            "<ref>note</ref>", "&nbsp;", "==Section==", "jumps", "over", "lazy", "dog."},
           1 << 20);
  return s;
}

const std::string& Interwiki() {
  static const std::string s = Make(
      {"[[de:Stadt]]", "[[fr:Caf\xc3\xa9]]",
       "[[ru:\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0]]", "[[ja:\xe6\x9d\xb1\xe4\xba\xac]]",
       "[[ar:\xd8\xa7\xd9\x84\xd9\x82\xd8\xa7\xd9\x87\xd8\xb1\xd8\xa9]]",
       "[[hi:\xe0\xa4\xa6\xe0\xa4\xbf\xe0\xa4\xb2\xe0\xa5\x8d\xe0\xa4\xb2\xe0\xa5\x80]]",
       "[[bn:\xe0\xa6\x95\xe0\xa7\x8d\xe0\xa6\xb7\xe0\xa6\xbe]]",
       "[[el:\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1]]", "[[ko:\xec\x84\x9c\xec\x9a\xb8]]",
       "[[he:\xd7\x99\xd7\xa8\xd7\x95\xd7\xa9\xd7\x9c\xd7\x99\xd7\x9d]]"},
      1 << 20);
  return s;
}

const std::string& Multilingual() {
  static const std::string s =
      Make({"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0",
            "\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb4",
            "\xe4\xb8\xad\xe6\x96\x87\xe7\xbb\xb4\xe5\x9f\xba", "\xe7\x99\xbe\xe7\xa7\x91",
            "\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9",
            "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1",
            "\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d\xe0\xa4\xa6\xe0\xa5\x80",
            "\xf0\x9f\x98\x80", "[[link]]", "&"},
           1 << 20);
  return s;
}

// The revision texts of a small generated wiki (about 4 MB), parsed back out
// of its XML.
const std::vector<std::string>& GeneratedTexts() {
  static const std::vector<std::string> texts = [] {
    struct Collect : dw::format::XmlHandler {
      std::vector<std::string> texts;
      dw::Status OnHeader(const dw::format::XmlHeader&) override { return dw::Status::OK(); }
      dw::Status OnPageStart(const dw::format::ParsedPage&) override { return dw::Status::OK(); }
      dw::Status OnRevision(const dw::format::ParsedPage&,
                            const dw::format::ParsedRevision& rev) override {
        texts.push_back(rev.main.text.text);
        return dw::Status::OK();
      }
      dw::Status OnPageEnd(const dw::format::ParsedPage&) override { return dw::Status::OK(); }
    } collect;
    std::string xml;
    dw::stream::StringSink sink(&xml);
    dw::testing::GeneratorOptions options;
    options.pages = 40;
    options.revisions = 800;
    if (!dw::testing::GenerateWiki(options, &sink).ok() ||
        !dw::format::ReadXmlString(xml, "generated", collect).ok()) {
      std::abort();
    }
    return collect.texts;
  }();
  return texts;
}

void FusedGenerated(benchmark::State& state) {
  const auto& texts = GeneratedTexts();
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  std::string out;
  out.reserve(64 << 10);
  for (auto _ : state) {
    for (const auto& t : texts) {
      out.clear();
      benchmark::DoNotOptimize(dw::mw::AppendEscapedIfClean(t, false, false, &out));
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void TwoPasses(benchmark::State& state, const std::string& text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (auto _ : state) {
    out.clear();
    if (!dw::mw::NeedsCleanUp(text)) dw::format::AppendXmlText(&out, text, false);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void Fused(benchmark::State& state, const std::string& text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(dw::mw::AppendEscapedIfClean(text, false, false, &out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_ExportTextTwoPassesAscii(benchmark::State& s) { TwoPasses(s, Ascii()); }
void BM_ExportTextFusedAscii(benchmark::State& s) { Fused(s, Ascii()); }
void BM_ExportTextTwoPassesInterwiki(benchmark::State& s) { TwoPasses(s, Interwiki()); }
void BM_ExportTextFusedInterwiki(benchmark::State& s) { Fused(s, Interwiki()); }
void BM_ExportTextTwoPassesMultilingual(benchmark::State& s) { TwoPasses(s, Multilingual()); }
void BM_ExportTextFusedMultilingual(benchmark::State& s) { Fused(s, Multilingual()); }
void BM_ExportTextFusedGenerated(benchmark::State& s) { FusedGenerated(s); }
BENCHMARK(BM_ExportTextTwoPassesAscii);
BENCHMARK(BM_ExportTextFusedAscii);
BENCHMARK(BM_ExportTextTwoPassesInterwiki);
BENCHMARK(BM_ExportTextFusedInterwiki);
BENCHMARK(BM_ExportTextTwoPassesMultilingual);
BENCHMARK(BM_ExportTextFusedMultilingual);
BENCHMARK(BM_ExportTextFusedGenerated);

}  // namespace
