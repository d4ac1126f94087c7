#include "mw/text_blob.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace dw::mw {
namespace {

std::string Deflate(std::string_view s) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(s.size() + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(TextBlobTest, PlainAndGzip) {
  std::string out;
  ASSERT_TRUE(DecodeTextBlob("utf-8", "hello", &out).ok());
  EXPECT_EQ(out, "hello");
  std::string big(100000, 'x');
  ASSERT_TRUE(DecodeTextBlob("utf-8,gzip", Deflate(big), &out).ok());
  EXPECT_EQ(out, big);
}

TEST(TextBlobTest, Failures) {
  std::string out;
  EXPECT_TRUE(DecodeTextBlob("utf-8,gzip", "garbage!", &out).IsCorruption());
  std::string d = Deflate("some text that is long enough");
  EXPECT_TRUE(DecodeTextBlob("gzip", d.substr(0, d.size() / 2), &out).IsCorruption());
  EXPECT_FALSE(DecodeTextBlob("utf-8,external", "DB://cluster1/42", &out).ok());
  EXPECT_FALSE(DecodeTextBlob("object", "O:8:...", &out).ok());
  EXPECT_FALSE(DecodeTextBlob("error", "", &out).ok());
  EXPECT_FALSE(DecodeTextBlob("utf-8,rot13", "x", &out).ok());
}

}  // namespace
}  // namespace dw::mw
