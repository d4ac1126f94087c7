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

// The fused check+escape pass against the slow path it replaces: cleanUp()
// through ICU decides whether s is clean (CleanUp(s) == s), and a plain
// bytewise escaper gives the expected bytes. Hostile random strings: invalid
// UTF-8, overlongs, surrogates, noncharacters, C0 controls, CR, "]]>", markup,
// NFC-Maybe and NFC-No characters, marks out of order, long ASCII runs around
// them (the 16-byte path), and strings cut in the middle of a sequence.
std::string EscapeSlow(std::string_view s, bool quot) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"' && quot) {
      out += "&quot;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Hex(std::string_view s) {
  std::string hex;
  for (unsigned char ch : s) hex += "0123456789abcdef"[ch >> 4], hex += "0123456789abcdef"[ch & 15];
  return hex;
}

void CheckFused(const std::string& s, int* clean_count) {
  const bool clean = Clean(s) == s;
  ASSERT_EQ(NeedsCleanUp(s), !clean) << "hex: " << Hex(s);
  for (int mode = 0; mode < 4; ++mode) {
    const bool quot = mode & 1, stop_cr = mode & 2;
    std::string out = "<prefix>";
    const bool ok = AppendEscapedIfClean(s, quot, stop_cr, &out);
    const bool expect_ok = clean && !(stop_cr && s.find('\r') != std::string::npos);
    ASSERT_EQ(ok, expect_ok) << "mode " << mode << " hex: " << Hex(s);
    ASSERT_EQ(out, ok ? "<prefix>" + EscapeSlow(s, quot) : "<prefix>")
        << "mode " << mode << " hex: " << Hex(s);
  }
  if (clean) ++*clean_count;
}

TEST(UtfNormalTest, FusedEscapeAgreesWithSlowPathOnHostileInput) {
  const char* pieces[] = {"a",
                          "Zz",
                          " ",
                          "\n",
                          "\t",
                          "\r",
                          "\r\n",
                          "&",
                          "<",
                          ">",
                          "\"",
                          "'",
                          "]]>",
                          "&amp;",
                          "<text>",
                          "[[fr:Caf\xc3\xa9]]",
                          "\x01",
                          "\x1b",
                          "" /* NUL */,
                          "\x7f",
                          "\x80",
                          "\xbf",
                          "\xc0\xaf",
                          "\xc1\xbf",
                          "\xc2",
                          "\xc3\xa9",
                          "\xcc\x81",
                          "\xcd\x85",
                          "\xd0\x98",
                          "\xd0\xb9",
                          "\xd8\xa7",
                          "\xd9\x93",
                          "\xd9\x94",
                          "\xe0\x80\x80",
                          "\xe0\xa6\x95",
                          "\xe0\xa6\xbe",
                          "\xe0\xa7\x87",
                          "\xe1\x84\x80",
                          "\xe1\x85\xa1",
                          "\xe1\x86\xa8",
                          "\xe2\x80\x80",
                          "\xe2\x80\x93",
                          "\xe2\x82",
                          "\xe2\x84\xab",
                          "\xe3\x81\x8b",
                          "\xe3\x82\x99",
                          "\xe4\xb8\xad",
                          "\xea\xb0\x80",
                          "\xed\x9f\xbf",
                          "\xed\xa0\x80",
                          "\xed\xbf\xbf",
                          "\xef\xbf\xbd",
                          "\xef\xbf\xbe",
                          "\xef\xbf\xbf",
                          "\xef\xbf",
                          "\xf0\x8f\xbf\xbf",
                          "\xf0\x9f\x98\x80",
                          "\xf0\x9f",
                          "\xf0\x9d\x85\x9e",
                          "\xf0\x9d\x85\xa5",
                          "\xf0\xaf\xa0\x80",
                          "\xf4\x8f\xbf\xbf",
                          "\xf4\x90\x80\x80",
                          "\xf5\x80\x80\x80",
                          "\xf8\x88\x80\x80\x80",
                          "\xfe",
                          "\xff"};
  std::mt19937 rng(7);
  int clean = 0;
  for (int round = 0; round < 60000; ++round) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) {
      if (rng() % 4 == 0) s.append(static_cast<size_t>(rng() % 40), "xy&z"[rng() % 4]);
      const char* piece = pieces[rng() % std::size(pieces)];
      if (piece[0] == 0) {
        s.push_back('\0');
      } else {
        s += piece;
      }
    }
    if (rng() % 8 == 0 && !s.empty()) s.resize(rng() % s.size());  // cut anywhere
    CheckFused(s, &clean);
  }
  // Raw random bytes, mostly high ones.
  for (int round = 0; round < 20000; ++round) {
    std::string s(static_cast<size_t>(rng() % 48), ' ');
    for (char& c : s) c = static_cast<char>(rng() % 3 == 0 ? 'a' + rng() % 26 : rng() % 256);
    CheckFused(s, &clean);
  }
  EXPECT_GT(clean, 5000);  // both answers are exercised
}

TEST(UtfNormalTest, FusedEscapeLongTexts) {
  int clean = 0;
  // Long runs: the 16-byte path stops exactly at what needs escaping or checking.
  for (size_t at = 0; at < 40; ++at) {
    for (const char* what : {"&", "\"", "\x02", "\r", "\xc3\xa9", "\xcc\x81", "\xff", "<b>"}) {
      std::string s(64, 'q');
      s.insert(at, what);
      CheckFused(s, &clean);
    }
  }
  // A big multilingual text, clean, with markup every so often.
  std::string big;
  for (int i = 0; i < 2000; ++i) {
    big += "[[ru:\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0]] \xe4\xb8\xad\xe6\x96\x87 ";
    big += "\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9 \xf0\x9f\x98\x80 &amp; <ref>";
    big += "\xe0\xa6\x95\xe0\xa7\x8d\xe0\xa6\xb7\xe0\xa6\xbe \xea\xb0\x80\n";
  }
  CheckFused(big, &clean);
  // Clean: & " \r e-acute, a lone combining acute (NFC: nothing composes with
  // q), <b>; not clean: the control and the bad byte.
  EXPECT_EQ(clean, 1 + 40 * 6);
}

}  // namespace
}  // namespace dw::mw
