#include "stream/input.h"

#include <gtest/gtest.h>

#include "stream/file_sink.h"
#include "stream/test_util.h"

namespace dw::stream {
namespace {

using test::Decode;
using test::XmlLike;

std::string CompressWith(Compression c, std::string_view in) {
  std::string out;
  StringSink sink(&out);
  CompressOptions o;
  o.threads = 2;
  auto comp = std::move(*NewCompressor(c, &sink, o));
  EXPECT_TRUE(comp->Append(in).ok());
  EXPECT_TRUE(comp->Close().ok());
  return out;
}

class InputTest : public ::testing::TestWithParam<Compression> {};

TEST_P(InputTest, DetectsAndDecodesWithTinyReads) {
  std::string in = XmlLike(300'000);
  std::string z = CompressWith(GetParam(), in);
  auto src = WrapDecompressor(NewStringSource(z), "x");
  auto got = test::ReadAll(src.get(), 7);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, in);
  EXPECT_EQ(DetectedCompression(*src), GetParam());
}

TEST_P(InputTest, EveryTruncationIsCorruption) {
  std::string in = XmlLike(200'000);
  std::string z = CompressWith(GetParam(), in);
  // Cut at many points, including inside the header and just before the end.
  for (size_t cut : {size_t{4}, size_t{10}, z.size() / 3, z.size() / 2, z.size() - 9, z.size() - 4,
                     z.size() - 1}) {
    auto r = Decode(std::string_view(z).substr(0, cut));
    ASSERT_FALSE(r.ok()) << "cut at " << cut << " of " << z.size() << " decoded quietly";
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
    EXPECT_NE(r.status().ToString().find("test-data"), std::string::npos)
        << "the error names the input: " << r.status().ToString();
  }
}

TEST_P(InputTest, FlippedByteIsCorruption) {
  std::string in = XmlLike(200'000);
  std::string z = CompressWith(GetParam(), in);
  z[z.size() / 2] ^= 0x55;
  auto r = Decode(z);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
}

TEST_P(InputTest, TrailingGarbageIsCorruption) {
  std::string z = CompressWith(GetParam(), "hello") + "garbage!";
  auto r = Decode(z);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
}

TEST_P(InputTest, ManyUnits) {
  std::string z, want;
  for (int i = 0; i < 50; ++i) {
    std::string part = XmlLike(static_cast<size_t>(i) * 37, static_cast<uint32_t>(i));
    want += part;
    z += CompressWith(GetParam(), part);
  }
  auto r = Decode(z, 1000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, want);
}

INSTANTIATE_TEST_SUITE_P(All, InputTest,
                         ::testing::Values(Compression::kGzip, Compression::kBzip2,
                                           Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(Input, PlainPassesThrough) {
  for (std::string in : {std::string(""), std::string("a"), std::string("BZ"), XmlLike(100'000)}) {
    auto r = Decode(in, 13);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, in);
  }
}

TEST(Input, OpenInputMissingFileNamesIt) {
  auto r = OpenInput(Env::Default(), "/nonexistent/dir/x.xml.bz2");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_NE(r.status().ToString().find("/nonexistent/dir/x.xml.bz2"), std::string::npos);
}

TEST(Input, OpenInputReadsAFile) {
  test::TempDir dir;
  std::string in = XmlLike(1'500'000);
  std::string path = dir.File("a.xml.gz");
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, CompressWith(Compression::kGzip, in)).ok());
  auto src = OpenInput(Env::Default(), path);
  ASSERT_TRUE(src.ok());
  auto got = test::ReadAll(src->get());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, in);
}

}  // namespace
}  // namespace dw::stream
