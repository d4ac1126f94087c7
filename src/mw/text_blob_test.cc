#include "mw/text_blob.h"

#include <gtest/gtest.h>

#include "stream/test_util.h"

namespace dw::mw {
namespace {

std::string Deflate(std::string_view s) { return stream::test::RawDeflate(s); }

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
}

// MediaWiki 1.39's SqlBlobStore::decompressData ignores flags it does not
// know: the text comes out as if they were absent (gzip still applies).
TEST(TextBlobTest, UnknownFlagsIgnoredAsMediaWikiDoes) {
  std::string out;
  ASSERT_TRUE(DecodeTextBlob("utf-8,rot13", "plain", &out).ok());
  EXPECT_EQ(out, "plain");
  EXPECT_EQ(ParseBlobFlags("utf-8,rot13,x").unknown, "rot13");
  ASSERT_TRUE(DecodeTextBlob("frobnicated,gzip", Deflate("deflated text"), &out).ok());
  EXPECT_EQ(out, "deflated text");
  EXPECT_TRUE(DecodeTextBlob("frobnicated,gzip", "not deflate", &out).IsCorruption());
}

}  // namespace
}  // namespace dw::mw
