#include "stream/bzip2_encoder.h"

#include <gtest/gtest.h>

#include "stream/test_util.h"

namespace dw::stream {
namespace {

void ExpectRoundTrip(const std::string& in, int level = 9, bool want_own = false) {
  std::string out;
  bool fell_back = false;
  ASSERT_TRUE(Bzip2CompressStream(in, level, &out, &fell_back).ok());
  if (want_own) {
    EXPECT_FALSE(fell_back) << "size " << in.size();
  }
  auto dec = test::Decode(out);
  ASSERT_TRUE(dec.ok()) << "size " << in.size() << ": " << dec.status().ToString();
  EXPECT_TRUE(*dec == in) << "size " << in.size();
}

TEST(Bzip2Encoder, RoundTripsTextAndBinary) {
  ExpectRoundTrip("", 9, true);
  ExpectRoundTrip("a", 9, true);
  ExpectRoundTrip("ab", 9, true);
  ExpectRoundTrip("banana", 9, true);
  ExpectRoundTrip(test::XmlLike(899'981), 9, true);
  ExpectRoundTrip(test::RandomBytes(899'981), 9, true);
  ExpectRoundTrip(test::XmlLike(99'981, 5), 1, true);
  // A tail that occurs earlier: the rotation fix-up (not the fallback) sorts it.
  for (size_t tail : {1, 2, 10, 300, 2000}) {
    std::string x = test::RandomBytes(200'000, static_cast<uint32_t>(tail));
    std::string t = x.substr(x.size() - tail);
    ExpectRoundTrip(x.substr(0, 1000) + t + x.substr(1000), 9, true);
    ExpectRoundTrip(t + x, 9, true);  // the tail also at the very start
  }
}

TEST(Bzip2Encoder, RepetitiveAndRunHeavyInput) {
  // All sorted by our encoder (no libbz2 fallback): one byte, periodic data
  // (identical rotations), long repeated tails (the partly doubled sort).
  ExpectRoundTrip(std::string(899'981, 'x'), 9, true);
  ExpectRoundTrip(std::string(255, 'a') + std::string(256, 'a') + "b" + std::string(4, 'c'), 9,
                  true);
  std::string period;
  while (period.size() < 800'000) period += "abcabcabd";
  ExpectRoundTrip(period, 9, true);
  std::string x = test::XmlLike(300'000, 9);
  ExpectRoundTrip(x + x + x.substr(0, 250'000), 9, true);
  std::string r = test::RandomBytes(100'000, 11);
  ExpectRoundTrip(r + r.substr(0, 5000) + r, 9, true);  // tail 100k, start repeats too
  ExpectRoundTrip(r.substr(0, 6000) + r + r.substr(0, 50), 9, true);
  // Runs of exactly 4..7 expand under RLE1: more than one block in the stream.
  std::string runs;
  for (int i = 0; runs.size() < 899'981; ++i)
    runs += std::string(4 + i % 4, static_cast<char>('a' + i % 26));
  runs.resize(899'981);
  ExpectRoundTrip(runs, 9, true);
}

TEST(Bzip2Encoder, SizeCloseToLibbz2) {
  std::string in = test::XmlLike(899'981, 3);
  std::string ours, ref;
  ASSERT_TRUE(Bzip2CompressStream(in, 9, &ours).ok());
  ASSERT_TRUE(Bzip2CompressStreamLibbz2(in, 9, &ref).ok());
  EXPECT_LT(ours.size(), ref.size() * 1.03) << "ours " << ours.size() << " libbz2 " << ref.size();
}

}  // namespace
}  // namespace dw::stream
