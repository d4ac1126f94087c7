#include "stream/bzip2_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

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

// Checks Bzip2Bwt() against a slow rotation sort: the same last column, and
// orig_ptr names a row whose rotation is the block itself (periodic blocks have
// several equal rows; any of them is right).
void ExpectBwtLikeReference(const std::string& s) {
  const int n = static_cast<int>(s.size());
  std::vector<int> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  auto rotation = [&](int i) { return s.substr(i) + s.substr(0, i); };
  std::vector<std::string> rot(n);
  for (int i = 0; i < n; ++i) rot[i] = rotation(i);
  std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) { return rot[a] < rot[b]; });
  std::string want(n, '\0');
  for (int k = 0; k < n; ++k) want[k] = rot[rows[k]][n - 1];
  std::string last;
  int32_t orig_ptr = -1;
  ASSERT_TRUE(Bzip2Bwt(s, &last, &orig_ptr).ok()) << s;
  EXPECT_EQ(last, want) << "block \"" << s << "\"";
  ASSERT_GE(orig_ptr, 0) << s;
  ASSERT_LT(orig_ptr, n) << s;
  EXPECT_EQ(rot[rows[orig_ptr]], s) << "block \"" << s << "\"";
}

TEST(Bzip2Encoder, BwtMatchesRotationSortOnAllSmallBlocks) {
  // Every block over {a,b} up to 10 bytes and over {a,b,c} up to 6: all the
  // periodic blocks, blocks equal to a rotation of themselves, repeated tails.
  for (int alpha : {2, 3}) {
    for (int n = 1; n <= (alpha == 2 ? 10 : 6); ++n) {
      int count = 1;
      for (int i = 0; i < n; ++i) count *= alpha;
      for (int v = 0; v < count; ++v) {
        std::string s(n, 'a');
        for (int i = 0, x = v; i < n; ++i, x /= alpha) s[i] = static_cast<char>('a' + x % alpha);
        ExpectBwtLikeReference(s);
        if (HasFailure()) return;
      }
    }
  }
}

TEST(Bzip2Encoder, BwtMatchesRotationSortOnPeriodicAndRepetitiveBlocks) {
  ExpectBwtLikeReference(std::string(1, 'a'));
  ExpectBwtLikeReference(std::string(1000, 'a'));
  ExpectBwtLikeReference(std::string(999, 'a') + "b");
  ExpectBwtLikeReference("b" + std::string(999, 'a'));
  std::string ab, abc, line;
  while (ab.size() < 1000) ab += "ab";
  while (abc.size() < 1000) abc += "abc";
  ExpectBwtLikeReference(ab);                  // period 2
  ExpectBwtLikeReference(ab.substr(0, 999));   // not a whole number of periods
  ExpectBwtLikeReference(abc.substr(1, 999));  // a rotation of a periodic block
  ExpectBwtLikeReference(abc.substr(0, 998));
  while (line.size() < 1500) line += "  <text>same line</text>\n";
  ExpectBwtLikeReference(line);
  ExpectBwtLikeReference(line.substr(7, 1200));
  // Random data, and random data with a repeated tail (the suffix order of the
  // block itself is not its rotation order there).
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::string r = test::RandomBytes(200 + seed * 37, seed);
    ExpectBwtLikeReference(r);
    ExpectBwtLikeReference(r + r.substr(0, seed * 7));
    ExpectBwtLikeReference(r.substr(0, seed * 5) + r);
    ExpectBwtLikeReference(r + r);  // equal to a rotation of itself
    std::string small = r;
    for (auto& c : small) c = static_cast<char>('a' + (static_cast<uint8_t>(c) % 3));
    ExpectBwtLikeReference(small + small.substr(0, 100));
  }
  ExpectBwtLikeReference(test::XmlLike(3000, 4));
}

TEST(Bzip2Encoder, BigPeriodicAndRepetitiveBlocksRoundTrip) {
  // 900k blocks after RLE1, through libbz2's decoder.
  std::string ab, abc, line, rl;
  while (ab.size() < 899'981) ab += "ab";
  ExpectRoundTrip(ab.substr(0, 899'981), 9, true);
  ExpectRoundTrip(ab.substr(0, 899'980), 9, true);
  while (abc.size() < 899'981) abc += "abc";
  ExpectRoundTrip(abc.substr(2, 899'970), 9, true);
  while (line.size() < 899'981) line += "    <text>one repeated line of a revision</text>\n";
  ExpectRoundTrip(line.substr(0, 899'981), 9, true);
  ExpectRoundTrip(line.substr(13, 899'900), 9, true);
  ExpectRoundTrip(test::RandomBytes(899'981, 77), 9, true);
  std::string r = test::RandomBytes(300'000, 78);
  ExpectRoundTrip(r + r + r.substr(0, 299'000), 9, true);  // a rotation of itself, almost
  r.resize(299'990);
  ExpectRoundTrip(r + r + r, 9, true);
  // Output is deterministic.
  std::string x = test::XmlLike(899'981, 12), a, b;
  ASSERT_TRUE(Bzip2CompressStream(x, 9, &a).ok());
  ASSERT_TRUE(Bzip2CompressStream(x, 9, &b).ok());
  EXPECT_EQ(a, b);
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
