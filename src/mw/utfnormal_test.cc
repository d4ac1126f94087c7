#include "mw/utfnormal.h"

#include <gtest/gtest.h>
#include <unicode/normalizer2.h>

#include <cstdint>
#include <random>

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

TEST(UtfNormalTest, FastPathRangesStillCatchNonNfc) {
  // Characters of the "safe" ranges next to ones that need normalizing.
  EXPECT_FALSE(NeedsCleanUp("\xd8\xa7\xd9\x84 \xe2\x80\x93 \xe4\xb8\xad"));  // Arabic, en dash, CJK
  EXPECT_TRUE(NeedsCleanUp("\xd8\xa7\xd9\x93"));  // alef + combining madda -> U+0622
  EXPECT_EQ(Clean("\xd8\xa7\xd9\x93"), "\xd8\xa2");
  EXPECT_TRUE(NeedsCleanUp("\xe2\x80\x80"));  // EN QUAD -> EN SPACE
  EXPECT_EQ(Clean("\xe2\x80\x80"), "\xe2\x80\x82");
  EXPECT_TRUE(NeedsCleanUp("\xea\xb0\x80\xe1\x86\xa8"));  // Hangul LV + trailing jamo
  EXPECT_EQ(Clean("\xea\xb0\x80\xe1\x86\xa8"), "\xea\xb0\x81");
}

// NeedsCleanUp() decides "is it NFC?" without normalizing (quick check,
// canonical order, composePair for "maybe" characters). For valid UTF-8 without
// controls it must agree with ICU's own check on every string: random strings
// over characters that compose, block, reorder or decompose, with the cases
// that need the last starter (Hangul L V T, Bengali vowel parts, marks of equal
// and different classes, composites that compose further).
TEST(UtfNormalTest, NfcDecisionAgreesWithIcu) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  ASSERT_TRUE(U_SUCCESS(err));
  const char32_t alphabet[] = {
      U'a',   U'e',   U'A',   U' ',   U'\n',  0x00e9, 0x00ea,  0x00c5,  0x0300,  0x0301,
      0x0302, 0x0316, 0x0327, 0x0345, 0x0340, 0x0374, 0x2126,  0x212b,  0x1100,  0x1161,
      0x11a8, 0xac00, 0xac01, 0x0995, 0x09bc, 0x09be, 0x09c7,  0x09cb,  0x09d7,  0x0928,
      0x093c, 0x094d, 0x0627, 0x0653, 0x0654, 0x0622, 0x0418,  0x0306,  0x0419,  0x3099,
      0x304b, 0x304c, 0x0e39, 0x0e48, 0x05b7, 0x05d0, 0x1f600, 0x1d15e, 0x1d165, 0x0f73,
      0x0f71, 0x0f72, 0x1e0b, 0x0323, 0x1e0d, 0x0b47, 0x0b3e,  0x0b57,  0x0cc6,  0x0cd5};
  std::mt19937 rng(42);
  auto append_utf8 = [](std::string* out, char32_t c) {
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (c >> 12)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (c >> 18)));
      out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  };
  int not_nfc = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string s;
    // Sometimes behind a long ASCII run (the SIMD skip ends in a starter).
    if (round % 3 == 0) s.assign(static_cast<size_t>(rng() % 40), 'x');
    const int len = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < len; ++k) append_utf8(&s, alphabet[rng() % std::size(alphabet)]);
    UErrorCode e = U_ZERO_ERROR;
    const bool is_nfc =
        nfc->isNormalizedUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), e);
    ASSERT_TRUE(U_SUCCESS(e));
    std::string hex;
    for (unsigned char ch : s)
      hex += "0123456789abcdef"[ch >> 4], hex += "0123456789abcdef"[ch & 15];
    ASSERT_EQ(NeedsCleanUp(s), !is_nfc) << "string (hex): " << hex;
    if (!is_nfc) ++not_nfc;
  }
  EXPECT_GT(not_nfc, 1000);  // the alphabet does exercise both answers
}

TEST(UtfNormalTest, NonNfcLateInLongText) {
  std::string s(5000, 'a');
  s += "\xd0\x98\xcc\x86";  // CYRILLIC I + COMBINING BREVE -> U+0419
  EXPECT_TRUE(NeedsCleanUp(s));
  std::string t(5000, 'a');
  t += "\xe0\xa6\x95\xe0\xa7\x8d\xe0\xa6\xb7\xe0\xa6\xbe";  // Bengali, in NFC
  EXPECT_FALSE(NeedsCleanUp(t));
  t += "\xe0\xa7\x87\xe0\xa6\xbe";  // E + AA -> O (U+09CB)
  EXPECT_TRUE(NeedsCleanUp(t));
}

TEST(UtfNormalTest, NormalizesToNfc) {
  EXPECT_TRUE(NeedsCleanUp("e\xcc\x81"));
  EXPECT_EQ(Clean("e\xcc\x81"), "\xc3\xa9");                     // e + combining acute -> é
  EXPECT_EQ(Clean("\xe2\x84\xab"), "\xc3\x85");                  // ANGSTROM SIGN -> Å
  EXPECT_EQ(Clean("\xe1\x84\x80\xe1\x85\xa1"), "\xea\xb0\x80");  // Hangul jamo -> 가
}

}  // namespace
}  // namespace dw::mw
