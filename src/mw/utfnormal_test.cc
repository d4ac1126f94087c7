#include "mw/utfnormal.h"

#include <gtest/gtest.h>

namespace dw::mw {
namespace {

std::string Clean(std::string_view s) {
  std::string out;
  CleanUp(s, &out);
  return out;
}

const std::string kFffd = "\xef\xbf\xbd";

TEST(UtfNormalTest, AsciiNeedsNothing) {
  EXPECT_FALSE(NeedsCleanUp("plain text\twith\ttabs\r\nand lines & <markup>"));
  EXPECT_FALSE(NeedsCleanUp(""));
  EXPECT_FALSE(NeedsCleanUp(std::string(1000, 'x') + "\n"));
}

TEST(UtfNormalTest, ValidNfcNeedsNothing) {
  EXPECT_FALSE(NeedsCleanUp("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"));
}

TEST(UtfNormalTest, ControlsBecomeReplacementCharacters) {
  EXPECT_TRUE(NeedsCleanUp(std::string("a\0b", 3)));
  EXPECT_EQ(Clean(std::string("a\0b\x07"
                              "c\x1b",
                              6)),
            "a" + kFffd + "b" + kFffd + "c" + kFffd);
  // A control deep inside a long ASCII run (the 16-byte fast path) is found.
  std::string s(100, 'a');
  s[77] = '\x01';
  EXPECT_TRUE(NeedsCleanUp(s));
  EXPECT_EQ(Clean("tab\tlf\ncr\r"), "tab\tlf\ncr\r");
}

TEST(UtfNormalTest, NoncharactersFffeFfff) {
  EXPECT_TRUE(NeedsCleanUp("x\xef\xbf\xbe"));
  EXPECT_EQ(Clean("x\xef\xbf\xbey\xef\xbf\xbf"), "x" + kFffd + "y" + kFffd);
}

TEST(UtfNormalTest, InvalidSequencesLikeUtfNormal) {
  // Bytes as the reference MediaWiki repaired them (see tests/export/hostile.sh).
  EXPECT_EQ(Clean("bad \xff\xfe bytes"), "bad " + kFffd + kFffd + " bytes");
  EXPECT_EQ(Clean("\xc3 alone"), kFffd + " alone");
  EXPECT_EQ(Clean("\xe2\x82 cut"), kFffd + " cut");
  EXPECT_EQ(Clean("\xed\xa0\x80 surrogate"), kFffd + " surrogate");
  EXPECT_EQ(Clean("\xc0\xaf overlong"), kFffd + " overlong");
  EXPECT_EQ(Clean("\x80 tail"), kFffd + " tail");
  // A broken sequence cut by an ASCII letter.
  EXPECT_EQ(Clean("\xe2\x82"
                  "abc"),
            kFffd + "abc");
  EXPECT_EQ(Clean("bad \xe9t\xe9 latin1"), "bad " + kFffd + "t" + kFffd + " latin1");
}

TEST(UtfNormalTest, NormalizesToNfc) {
  EXPECT_TRUE(NeedsCleanUp("e\xcc\x81"));
  EXPECT_EQ(Clean("e\xcc\x81"), "\xc3\xa9");                     // e + combining acute -> é
  EXPECT_EQ(Clean("\xe2\x84\xab"), "\xc3\x85");                  // ANGSTROM SIGN -> Å
  EXPECT_EQ(Clean("\xe1\x84\x80\xe1\x85\xa1"), "\xea\xb0\x80");  // Hangul jamo -> 가
}

}  // namespace
}  // namespace dw::mw
