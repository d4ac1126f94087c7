#include "mw/utfnormal.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <vector>

namespace dw::mw {
namespace {

constexpr char kReplacement[] = "\xef\xbf\xbd";

inline bool IsBadControl(unsigned char c) {
  return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

const icu::Normalizer2* Nfc() {
  static const icu::Normalizer2* nfc = [] {
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(err);
    return U_SUCCESS(err) ? n : nullptr;
  }();
  return nfc;
}

// Whether s is well-formed UTF-8 as ICU (and PHP's normalizer) sees it.
bool IsValidUtf8(std::string_view s) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

bool IsNfc(std::string_view s) {
  const icu::Normalizer2* nfc = Nfc();
  if (nfc == nullptr) return true;
  UErrorCode err = U_ZERO_ERROR;
  UBool ok = nfc->isNormalizedUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), err);
  return U_FAILURE(err) || ok;
}

void ToNfc(std::string_view s, std::string* out) {
  const icu::Normalizer2* nfc = Nfc();
  out->clear();
  if (nfc == nullptr) {
    out->assign(s);
    return;
  }
  icu::StringByteSink<std::string> sink(out, static_cast<int32_t>(s.size()));
  UErrorCode err = U_ZERO_ERROR;
  nfc->normalizeUTF8(0, icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), sink, nullptr,
                     err);
  if (U_FAILURE(err)) out->assign(s);
}

int TailBytes(unsigned char n) {
  if (n < 0xc0) return 0;
  if (n < 0xe0) return 1;
  if (n < 0xf0) return 2;
  if (n < 0xf8) return 3;
  if (n < 0xfc) return 4;
  if (n < 0xfe) return 5;
  return 0;
}

bool CheckIt(unsigned char n) {
  return n == 0xc0 || n == 0xc1 || n == 0xe0 || n == 0xed || n == 0xef || n >= 0xf0;
}

inline bool IsChunkTail(unsigned char c) {
  // [\x00-\x40\x5b-\x5f\x7b-\xff]: anything but ASCII letters and '`'.
  return c <= 0x40 || (c >= 0x5b && c <= 0x5f) || c >= 0x7b;
}

struct Replace {
  bool fffd;  // replacement: U+FFFD or nothing
  size_t start, length;
};

// UtfNormal\Validator::quickIsNFCVerify()'s repair of invalid sequences.
std::string RepairUtf8(std::string_view s) {
  std::vector<Replace> rep;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t pos = 0;
  const size_t size = s.size();
  while (pos < size) {
    if (p[pos] < 0x80) {  // ASCII chunk
      while (pos < size && p[pos] < 0x80) ++pos;
      continue;
    }
    size_t base = pos;
    size_t end = pos + 1;
    while (end < size && IsChunkTail(p[end])) ++end;
    const size_t chunk = end - base;
    const unsigned char* str = p + base;
    bool have_head = false;
    // for ($i = -1, $len = chunk + 1; --$len; ) { ... $str[++$i] ... }
    long i = -1;
    size_t len = chunk + 1;
    while (--len) {
      unsigned char c = str[++i];
      int remaining = TailBytes(c);
      if (remaining) {
        unsigned char head = c;
        have_head = true;
        std::string_view seq(reinterpret_cast<const char*>(str + i), 1);
        bool restart = false, stop = false;
        do {
          if (--len && (c = str[++i]) >= 0x80 && c < 0xc0) {
            seq = std::string_view(seq.data(), seq.size() + 1);
          } else if (len == 0) {
            rep.push_back({true, base + static_cast<size_t>(i) + 1 - seq.size(), seq.size()});
            stop = true;
            break;
          } else {
            rep.push_back({true, base + static_cast<size_t>(i) - seq.size(), seq.size()});
            --i;
            ++len;
            restart = true;
            break;
          }
        } while (--remaining);
        if (stop) break;
        if (restart) continue;
        if (CheckIt(head)) {
          bool bad = false;
          if (head == 0xed) {
            bad = seq >= std::string_view("\xed\xa0\x80");
          } else {
            bad = (head < 0xc2 && seq <= std::string_view("\xc1\xbf")) ||
                  (head == 0xe0 && seq <= std::string_view("\xe0\x9f\xbf")) ||
                  (head == 0xf0 && seq <= std::string_view("\xf0\x8f\xbf\xbf")) ||
                  (head == 0xef && seq == std::string_view("\xef\xbf\xbe")) ||
                  seq == std::string_view("\xef\xbf\xbf") ||
                  (head >= 0xf0 && seq > std::string_view("\xf4\x8f\xbf\xbf"));
          }
          if (bad) {
            rep.push_back({true, base + static_cast<size_t>(i) + 1 - seq.size(), seq.size()});
            have_head = false;
            continue;
          }
        }
        have_head = false;
      } else if (c < 0x80) {
        have_head = false;
      } else if (c < 0xc0) {
        rep.push_back({!have_head, base + static_cast<size_t>(i), 1});
      } else {
        rep.push_back({true, base + static_cast<size_t>(i), 1});
        have_head = false;
      }
    }
    pos = end;
  }
  std::string out;
  out.reserve(s.size() + rep.size() * 2);
  size_t last = 0;
  for (const auto& r : rep) {
    if (last < r.start) out.append(s.substr(last, r.start - last));
    if (r.fffd) out.append(kReplacement, 3);
    last = r.start + r.length;
  }
  if (last < s.size()) out.append(s.substr(last));
  return out;
}

// Ranges whose characters all have NFC_Quick_Check=Yes and canonical combining
// class 0 (a string of only such characters, and ones below U+0300, is in NFC):
// Cyrillic letters, Arabic letters and digits (not the marks), Ethiopic
// syllables, Latin Extended Additional, general punctuation (not U+2000/2001,
// which decompose), CJK punctuation (not the tone marks U+302A..F), Hiragana,
// Katakana, CJK ideographs, Hangul syllables, fullwidth forms.
inline bool IsSafeNfc(uint32_t cp) {
  static constexpr uint32_t kRanges[][2] = {
      {0x0400, 0x0482}, {0x048a, 0x052f}, {0x0600, 0x060f}, {0x061b, 0x064a}, {0x0660, 0x066f},
      {0x0671, 0x06d5}, {0x1200, 0x135c}, {0x1e00, 0x1eff}, {0x2002, 0x205e}, {0x3000, 0x3029},
      {0x3030, 0x303f}, {0x3041, 0x3096}, {0x30a1, 0x30fa}, {0x3400, 0x4dbf}, {0x4e00, 0x9fff},
      {0xac00, 0xd7a3}, {0xff01, 0xffee}};
  for (const auto& r : kRanges) {
    if (cp < r[0]) return false;
    if (cp <= r[1]) return true;
  }
  return false;
}

// Scans s for what cleanUp() could change. Returns true at the first C0
// control (other than \t \n \r), invalid UTF-8 sequence or U+FFFE/U+FFFF;
// sets *maybe_not_nfc if a code point >= U+0300 (the first one whose NFC quick
// check is not "yes" or that combines) occurs.
bool ScanForCleanUp(std::string_view s, bool* maybe_not_nfc) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    // 16 bytes at a time while they are printable ASCII, \t, \n or \r.
    const __m128i k20 = _mm_set1_epi8(0x20);
    const __m128i k09 = _mm_set1_epi8(0x09);
    const __m128i k0a = _mm_set1_epi8(0x0a);
    const __m128i k0d = _mm_set1_epi8(0x0d);
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
      __m128i lt = _mm_cmplt_epi8(v, k20);
      __m128i ok = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, k09), _mm_cmpeq_epi8(v, k0a)),
                                _mm_cmpeq_epi8(v, k0d));
      if (_mm_movemask_epi8(_mm_andnot_si128(ok, lt)) != 0) break;
      i += 16;
    }
    if (i >= n) break;
#endif
    unsigned char c = p[i];
    if (c < 0x80) {
      if (IsBadControl(c)) return true;
      ++i;
      continue;
    }
    int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || i + static_cast<size_t>(len) > n) return true;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return true;
    }
    if (c == 0xe0 && p[i + 1] < 0xa0) return true;                                // overlong
    if (c == 0xed && p[i + 1] >= 0xa0) return true;                               // surrogate
    if (c == 0xf0 && p[i + 1] < 0x90) return true;                                // overlong
    if (c == 0xf4 && p[i + 1] >= 0x90) return true;                               // > U+10FFFF
    if (c == 0xef && p[i + 1] == 0xbf && (p[i + 2] & 0xfe) == 0xbe) return true;  // U+FFFE/F
    // U+0300 = CC 80: from there on a character may need ICU's NFC check,
    // unless it is in a block known to be NFC_Quick_Check=Yes with combining
    // class 0 (a string of only such characters is in NFC).
    if (c >= 0xcc && !*maybe_not_nfc) {
      uint32_t cp = 0;
      if (len == 2) {
        cp = ((c & 0x1fu) << 6) | (p[i + 1] & 0x3fu);
      } else if (len == 3) {
        cp = ((c & 0x0fu) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
      } else {
        cp = 0x10000;
      }
      if (!IsSafeNfc(cp)) *maybe_not_nfc = true;
    }
    i += static_cast<size_t>(len);
  }
  return false;
}

}  // namespace

bool NeedsCleanUp(std::string_view s) {
  bool maybe_not_nfc = false;
  if (ScanForCleanUp(s, &maybe_not_nfc)) return true;
  return maybe_not_nfc && !IsNfc(s);
}

void CleanUp(std::string_view s, std::string* out) {
  // replaceForNativeNormalize()
  std::string a;
  a.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (IsBadControl(c)) {
      a.append(kReplacement, 3);
    } else if (c == 0xef && i + 2 < s.size() && s[i + 1] == '\xbf' &&
               (s[i + 2] == '\xbe' || s[i + 2] == '\xbf')) {
      a.append(kReplacement, 3);
      i += 2;
    } else {
      a.push_back(static_cast<char>(c));
    }
  }
  if (IsValidUtf8(a)) {
    ToNfc(a, out);
    return;
  }
  std::string repaired = RepairUtf8(a);
  ToNfc(repaired, out);
}

}  // namespace dw::mw
