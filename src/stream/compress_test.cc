#include "stream/compress.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "stream/file_sink.h"
#include "stream/test_util.h"

namespace dw::stream {
namespace {

using test::Decode;
using test::XmlLike;

std::unique_ptr<Sink> Make(Compression c, Sink* next, int threads = 2, int level = 0) {
  CompressOptions o;
  o.threads = threads;
  o.level = level;
  auto r = NewCompressor(c, next, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(*r);
}

// Compresses `input` in pieces of `piece` bytes, ending a unit at each offset in `units`.
std::string Compress(Compression c, std::string_view input, size_t piece,
                     std::vector<uint64_t>* unit_offsets = nullptr,
                     const std::vector<size_t>& units = {}, int threads = 2) {
  std::string out;
  StringSink sink(&out);
  auto comp = Make(c, &sink, threads);
  size_t next_unit = 0;
  size_t pos = 0;
  while (pos < input.size() || next_unit < units.size()) {
    size_t end = std::min(input.size(), pos + piece);
    if (next_unit < units.size()) end = std::min(end, units[next_unit]);
    EXPECT_TRUE(comp->Append(input.substr(pos, end - pos)).ok());
    pos = end;
    if (next_unit < units.size() && pos == units[next_unit]) {
      EXPECT_TRUE(comp->EndUnit([unit_offsets](uint64_t off) {
                        if (unit_offsets) unit_offsets->push_back(off);
                      })
                      .ok());
      ++next_unit;
    }
    if (pos >= input.size() && next_unit >= units.size()) break;
  }
  EXPECT_TRUE(comp->Close().ok());
  EXPECT_EQ(comp->BytesIn(), input.size());
  return out;
}

class CompressTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressTest, RoundTrip) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{3'000'000}}) {
    std::string in = XmlLike(size);
    std::string out = Compress(GetParam(), in, 70'001);
    EXPECT_GT(out.size(), 0u) << "an empty input still makes a valid compressed file";
    auto dec = Decode(out);
    ASSERT_TRUE(dec.ok()) << dec.status().ToString();
    EXPECT_EQ(*dec, in) << "size " << size;
  }
}

TEST_P(CompressTest, RandomDataRoundTrip) {
  std::string in = test::RandomBytes(2'000'000);
  auto dec = Decode(Compress(GetParam(), in, 1 << 20));
  ASSERT_TRUE(dec.ok()) << dec.status().ToString();
  EXPECT_EQ(*dec, in);
}

TEST_P(CompressTest, EndUnitOffsetsAreWhereEachUnitStarts) {
  std::string in = XmlLike(2'500'000);
  std::vector<size_t> units = {100, 5000, 5000, 1'000'000, 2'000'000};  // includes an empty unit
  std::vector<uint64_t> offsets;
  std::string out = Compress(GetParam(), in, 4096, &offsets, units);
  ASSERT_EQ(offsets.size(), units.size());
  // Each unit, cut out by the reported offsets, decodes on its own to its input range.
  size_t prev_in = 0;
  uint64_t prev_off = 0;
  for (size_t i = 0; i <= units.size(); ++i) {
    size_t in_end = i < units.size() ? units[i] : in.size();
    uint64_t off_end = i < units.size() ? offsets[i] : out.size();
    ASSERT_LE(prev_off, off_end);
    std::string_view piece = std::string_view(out).substr(prev_off, off_end - prev_off);
    if (in_end == prev_in) {
      EXPECT_TRUE(piece.empty()) << "an empty unit emits nothing (unit " << i << ")";
    } else {
      auto dec = Decode(piece);
      ASSERT_TRUE(dec.ok()) << "unit " << i << ": " << dec.status().ToString();
      EXPECT_EQ(*dec, in.substr(prev_in, in_end - prev_in)) << "unit " << i;
    }
    prev_in = in_end;
    prev_off = off_end;
  }
}

TEST_P(CompressTest, ConcatenatedPartsDecodeToConcatenatedInput) {
  std::string a = XmlLike(1'200'000, 3), b = XmlLike(10, 4), c = XmlLike(333'333, 5);
  std::string joined = Compress(GetParam(), a, 65536) + Compress(GetParam(), b, 65536) +
                       Compress(GetParam(), "", 1) + Compress(GetParam(), c, 65536);
  auto dec = Decode(joined);
  ASSERT_TRUE(dec.ok()) << dec.status().ToString();
  EXPECT_EQ(*dec, a + b + c);
}

TEST_P(CompressTest, SameBytesWhateverTheThreadCountAndPieceSize) {
  std::string in = XmlLike(4'000'000, 7);
  std::vector<size_t> units = {123'456, 2'000'000};
  std::string one = Compress(GetParam(), in, 1 << 20, nullptr, units, 1);
  std::string three = Compress(GetParam(), in, 777, nullptr, units, 3);
  EXPECT_EQ(one, three);
}

TEST_P(CompressTest, DownstreamErrorIsReturnedAndSticks) {
  class FailingSink : public Sink {
   public:
    Status Append(std::string_view) override { return Status::IOError("write x: disk full"); }
    Status EndUnit(OffsetCallback) override { return Status::OK(); }
    Status Close() override { return Status::OK(); }
    uint64_t BytesIn() const override { return 0; }
  } failing;
  auto comp = Make(GetParam(), &failing);
  std::string in = test::RandomBytes(2'000'000);
  Status s;
  for (size_t pos = 0; pos < in.size() && s.ok(); pos += 100'000)
    s = comp->Append(std::string_view(in).substr(pos, 100'000));
  if (s.ok()) s = comp->Close();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("disk full"), std::string::npos);
  EXPECT_FALSE(comp->Append("more").ok());
}

INSTANTIATE_TEST_SUITE_P(All, CompressTest,
                         ::testing::Values(Compression::kGzip, Compression::kBzip2,
                                           Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(Compress, BadLevelIsInvalidArgument) {
  std::string out;
  StringSink sink(&out);
  CompressOptions o;
  o.level = 10;
  EXPECT_TRUE(NewCompressor(Compression::kBzip2, &sink, o).status().IsInvalidArgument());
  o.level = 13;
  EXPECT_TRUE(NewCompressor(Compression::kGzip, &sink, o).status().IsInvalidArgument());
  o.level = 12;
  EXPECT_TRUE(NewCompressor(Compression::kGzip, &sink, o).ok()) << "libdeflate goes to 12";
}

TEST(Compress, FromPath) {
  EXPECT_EQ(CompressionFromPath("a.xml.bz2"), Compression::kBzip2);
  EXPECT_EQ(CompressionFromPath("a.xml.gz"), Compression::kGzip);
  EXPECT_EQ(CompressionFromPath("a.zst"), Compression::kZstd);
  EXPECT_EQ(CompressionFromPath("a.xml"), Compression::kNone);
}

TEST(Bzip2Sink, BlocksAreIndependentStreams) {
  // 2.5 blocks at level 1 (99,981 bytes per block) -> three "BZh1" stream headers.
  std::string in = XmlLike(250'000);
  std::string out;
  StringSink sink(&out);
  Bzip2Sink bz(&sink, 1, 2);
  ASSERT_TRUE(bz.Append(in).ok());
  ASSERT_TRUE(bz.Close().ok());
  size_t streams = 0;
  for (size_t p = out.find("BZh1"); p != std::string::npos; p = out.find("BZh1", p + 1)) ++streams;
  EXPECT_GE(streams, 3u);
  auto dec = Decode(out);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(*dec, in);
}

}  // namespace
}  // namespace dw::stream

namespace dw::stream {
namespace {

TEST(GzipSink, StreamingOneMemberPerUnit) {
  std::string in = test::XmlLike(1'500'000, 21);
  std::string out;
  StringSink sink(&out);
  GzipSink gz(&sink, 6);
  std::vector<uint64_t> offsets;
  ASSERT_TRUE(gz.Append(std::string_view(in).substr(0, 700'000)).ok());
  ASSERT_TRUE(gz.EndUnit([&](uint64_t o) { offsets.push_back(o); }).ok());
  ASSERT_TRUE(gz.Append(std::string_view(in).substr(700'000)).ok());
  ASSERT_TRUE(gz.Close().ok());
  ASSERT_EQ(offsets.size(), 1u);
  auto first = test::Decode(std::string_view(out).substr(0, offsets[0]));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, in.substr(0, 700'000));
  auto all = test::Decode(out);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, in);
  // Exactly two members: two gzip headers (1f 8b 08).
  size_t members = 0;
  for (size_t p = out.find("\x1f\x8b\x08"); p != std::string::npos;
       p = out.find("\x1f\x8b\x08", p + 1))
    ++members;
  EXPECT_GE(members, 2u);
}

// Several sinks sharing one CompressPool (a dump run's core budget) write the
// same bytes as with their own workers, whatever the interleaving.
TEST(CompressPool, SinksSharingAPoolWriteTheSameBytes) {
  const std::string a = XmlLike(3'100'000, 7), b = XmlLike(2'500'000, 8);
  for (Compression c : {Compression::kBzip2, Compression::kGzip}) {
    const std::string want_a = Compress(c, a, 100'000, nullptr, {1000, 2'000'000}, 1);
    const std::string want_b = Compress(c, b, 100'000, nullptr, {}, 1);
    auto pool = std::make_shared<CompressPool>(2);
    EXPECT_EQ(pool->threads(), 2);
    std::string out_a, out_b;
    StringSink sink_a(&out_a), sink_b(&out_b);
    CompressOptions o;
    o.threads = 7;  // ignored: the pool decides
    o.pool = pool;
    auto ca = NewCompressor(c, &sink_a, o), cb = NewCompressor(c, &sink_b, o);
    ASSERT_TRUE(ca.ok() && cb.ok());
    std::vector<uint64_t> offs;
    // Two writers on two threads, as the parts of a run write.
    auto write = [&offs](Sink* sink, const std::string& in, std::vector<size_t> units) {
      size_t pos = 0;
      units.push_back(in.size());
      for (size_t u : units) {
        for (; pos < u; pos = std::min(u, pos + 100'000)) {
          size_t n = std::min(u, pos + 100'000) - pos;
          ASSERT_TRUE(sink->Append(std::string_view(in).substr(pos, n)).ok());
        }
        if (u < in.size()) {
          ASSERT_TRUE(sink->EndUnit([&offs](uint64_t off) { offs.push_back(off); }).ok());
        }
      }
      ASSERT_TRUE(sink->Close().ok());
    };
    std::thread ta([&] { write(ca->get(), a, {1000, 2'000'000}); });
    std::thread tb([&] { write(cb->get(), b, {}); });
    ta.join();
    tb.join();
    EXPECT_EQ(out_a, want_a) << CompressionName(c);
    EXPECT_EQ(out_b, want_b) << CompressionName(c);
    EXPECT_EQ(offs.size(), 2u);
    EXPECT_EQ(*Decode(out_b), b);
  }
}

// An abandoned sink (destroyed without Close) leaves the shared pool usable.
TEST(CompressPool, AbandonedSinkDoesNotDisturbThePool) {
  auto pool = std::make_shared<CompressPool>(1);
  const std::string in = XmlLike(4'000'000, 3);
  {
    std::string out;
    StringSink sink(&out);
    Bzip2Sink abandoned(&sink, 9, 0, pool);
    ASSERT_TRUE(abandoned.Append(in).ok());
  }
  std::string out;
  StringSink sink(&out);
  Bzip2Sink ok(&sink, 9, 0, pool);
  ASSERT_TRUE(ok.Append(in).ok());
  ASSERT_TRUE(ok.Close().ok());
  EXPECT_EQ(*Decode(out), in);
  EXPECT_EQ(ok.BytesOut(), out.size());
  EXPECT_EQ(ok.LastUnitInputBytes(), in.size() % 899'981);
  EXPECT_EQ(*Decode(std::string_view(out).substr(ok.LastUnitOffset())),
            in.substr(in.size() - in.size() % 899'981));
}

}  // namespace
}  // namespace dw::stream
