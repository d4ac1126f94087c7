#include "mw/utfnormal.h"

#include <endian.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
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

// NFC quick check data of a code point: its canonical combining class in the
// low byte, kQcNo / kQcMaybe above it (0: NFC_Quick_Check=Yes). One entry per
// BMP code point, computed once from ICU's properties; supplementary code points
// ask ICU directly.
constexpr uint16_t kQcNo = 0x100, kQcMaybe = 0x200;
uint16_t NfcInfoFromIcu(UChar32 c) {
  uint16_t v = static_cast<uint16_t>(u_getCombiningClass(c));
  switch (u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK)) {
    case UNORM_NO:
      v |= kQcNo;
      break;
    case UNORM_MAYBE:
      v |= kQcMaybe;
      break;
    default:
      break;
  }
  return v;
}
const uint16_t* NfcTable() {
  static const std::vector<uint16_t> table = [] {
    std::vector<uint16_t> t(0x10000);
    for (UChar32 c = 0; c < 0x10000; ++c) t[static_cast<size_t>(c)] = NfcInfoFromIcu(c);
    return t;
  }();
  return table.data();
}
inline uint16_t NfcInfo(const uint16_t* table, uint32_t cp) {
  if (cp < 0x10000) return table[cp];
  return NfcInfoFromIcu(static_cast<UChar32>(cp));
}

// Decodes the multi-byte character at p[i] (p[i] >= 0x80). Returns its length,
// or 0 if it is not valid UTF-8 as ICU sees it or is U+FFFE/U+FFFF (cleanUp()
// changes those).
[[gnu::always_inline]] inline int DecodeMultiByte(const unsigned char* p, size_t i, size_t n,
                                                  uint32_t* cp) {
  const unsigned char c = p[i];
  if (c < 0xe0) {  // 2 bytes
    if (c < 0xc2 || i + 1 >= n || (p[i + 1] & 0xc0) != 0x80) return 0;
    *cp = ((c & 0x1fu) << 6) | (p[i + 1] & 0x3fu);
    return 2;
  }
  if (c < 0xf0) {  // 3 bytes
    if (i + 2 >= n || (p[i + 1] & 0xc0) != 0x80 || (p[i + 2] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && p[i + 1] < 0xa0) return 0;                                // overlong
    if (c == 0xed && p[i + 1] >= 0xa0) return 0;                               // surrogate
    if (c == 0xef && p[i + 1] == 0xbf && (p[i + 2] & 0xfe) == 0xbe) return 0;  // U+FFFE/F
    *cp = ((c & 0x0fu) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
    return 3;
  }
  // 4 bytes
  if (c > 0xf4 || i + 3 >= n || (p[i + 1] & 0xc0) != 0x80 || (p[i + 2] & 0xc0) != 0x80 ||
      (p[i + 3] & 0xc0) != 0x80)
    return 0;
  if (c == 0xf0 && p[i + 1] < 0x90) return 0;   // overlong
  if (c == 0xf4 && p[i + 1] >= 0x90) return 0;  // > U+10FFFF
  *cp = ((c & 0x07u) << 18) | ((p[i + 1] & 0x3fu) << 12) | ((p[i + 2] & 0x3fu) << 6) |
        (p[i + 3] & 0x3fu);
  return 4;
}

// One bit per code point of planes 0 and 1: set for a starter with
// NFC_Quick_Check=Yes (nearly every letter of the scripts a wiki is written in:
// Cyrillic, Greek, Arabic, Devanagari, CJK, Hangul syllables, emoji...). Such
// a character is NFC whatever its neighbours and a normalization boundary, so
// it needs no look-up in NfcTable(). 16 KiB, computed once.
constexpr uint32_t kSimpleLimit = 0x20000;
const uint64_t* SimpleBits() {
  static const std::vector<uint64_t> bits = [] {
    std::vector<uint64_t> b(kSimpleLimit / 64);
    const uint16_t* table = NfcTable();
    for (uint32_t cp = 0; cp < kSimpleLimit; ++cp) {
      // Surrogates and U+FFFE/U+FFFF are not characters cleanUp() keeps: their
      // bits stay clear, so the short path leaves them to DecodeMultiByte().
      if (cp >= 0xd800 && cp < 0xe000) continue;
      if (cp < 0x80) continue;  // never a multi-byte character (overlong)
      if (cp == 0xfffe || cp == 0xffff) continue;
      if ((cp < 0x10000 ? table[cp] : NfcInfoFromIcu(static_cast<UChar32>(cp))) == 0) {
        b[cp / 64] |= uint64_t{1} << (cp % 64);
      }
    }
    return b;
  }();
  return bits.data();
}
inline bool IsSimple(const uint64_t* simple, uint32_t cp) {
  return cp < kSimpleLimit && ((simple[cp >> 6] >> (cp & 63)) & 1) != 0;
}

// What the escaping side of the scan does with an ASCII byte: nothing, escape
// it (& < > and, with quot, "), or give up (a C0 control other than \t \n \r,
// and \r when the caller wants to see CR itself).
enum AsciiClass : uint8_t { kPass = 0, kEscape = 1, kStop = 2 };
struct AsciiTable {
  AsciiClass c[128];
};
constexpr AsciiTable MakeAsciiTable(bool quot, bool stop_cr) {
  AsciiTable t{};
  for (int i = 0; i < 0x20; ++i) t.c[i] = kStop;
  t.c['\t'] = t.c['\n'] = kPass;
  t.c['\r'] = stop_cr ? kStop : kPass;
  t.c['&'] = t.c['<'] = t.c['>'] = kEscape;
  if (quot) t.c['"'] = kEscape;
  return t;
}
constexpr AsciiTable kAscii[4] = {MakeAsciiTable(false, false), MakeAsciiTable(false, true),
                                  MakeAsciiTable(true, false), MakeAsciiTable(true, true)};

// One plain ASCII byte (a space between two words of a non-Latin script)
// between multi-byte characters: consumed without leaving the multi-byte loop
// (it needs no escaping and is a starter).
inline bool OneAsciiBetween(const unsigned char* p, size_t& i, size_t n, const AsciiTable& ascii,
                            size_t* last_starter, unsigned* last_ccc) {
  if (i + 1 >= n || p[i + 1] < 0x80 || ascii.c[p[i]] != kPass) return false;
  *last_starter = i;
  *last_ccc = 0;
  ++i;
  return true;
}

inline void AppendEscape(std::string* out, unsigned char c) {
  switch (c) {
    case '&':
      out->append("&amp;", 5);
      break;
    case '<':
      out->append("&lt;", 4);
      break;
    case '>':
      out->append("&gt;", 4);
      break;
    default:  // '"'
      out->append("&quot;", 6);
      break;
  }
}

// Scans s for what cleanUp() could change: returns false at the first C0
// control (other than \t \n \r), invalid UTF-8 sequence, U+FFFE/U+FFFF, or
// when s is not in NFC; true if cleanUp() leaves s as it is. With kEmit, it
// also appends s to *out escaped as XML character data, in the same pass (on
// false, *out is put back as it was).
//
// NFC is decided without normalizing all of s: the NFC quick check (UAX #15,
// section 9) says "no" for a character with NFC_Quick_Check=No or for
// combining marks out of canonical order, and "yes" for a run of characters
// without NFC_Quick_Check=Maybe. Around a "maybe" character (one that may
// compose with what precedes it), ICU checks just the segment from the last
// starter with quick check "yes" before it to the next such starter after it:
// a normalization boundary lies before each of those, so s is in NFC exactly
// when every such segment is.
template <bool kEmit>
bool Scan(std::string_view s, bool quot, bool stop_cr, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const size_t out_start = kEmit ? out->size() : 0;
  const AsciiTable& ascii = kAscii[(quot ? 2 : 0) + (stop_cr ? 1 : 0)];
  size_t run = 0;  // kEmit: start of the bytes not yet appended
  auto fail = [&] {
    if constexpr (kEmit) out->resize(out_start);
    return false;
  };
  size_t i = 0;
  size_t last_starter = 0;  // start of the last "yes" starter (0: none, a boundary too)
  unsigned last_ccc = 0;
  const uint16_t* table = nullptr;  // NfcTable(), fetched at the first character >= U+0300
  const uint64_t* simple = nullptr;
#if defined(__SSE2__)
  const __m128i k20 = _mm_set1_epi8(0x20);
  const __m128i k09 = _mm_set1_epi8(0x09);
  const __m128i k0a = _mm_set1_epi8(0x0a);
  const __m128i k0d = _mm_set1_epi8(stop_cr ? 0x0a : 0x0d);
  const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
  const __m128i qt = _mm_set1_epi8(quot ? '"' : '&');
#endif
  while (i < n) {
#if defined(__SSE2__)
    // 16 bytes at a time while they are printable ASCII, \t, \n or \r, and
    // (kEmit) none needs escaping.
    const size_t block_start = i;
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
      __m128i lo = _mm_cmplt_epi8(v, k20);
      __m128i ok = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, k09), _mm_cmpeq_epi8(v, k0a)),
                                _mm_cmpeq_epi8(v, k0d));
      const unsigned stop = static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(ok, lo)));
      if constexpr (kEmit) {
        // Escapes before the first byte that stops the block are written here,
        // without leaving the loop.
        unsigned esc = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, gt), _mm_cmpeq_epi8(v, qt)))));
        if (stop != 0) esc &= (1u << __builtin_ctz(stop)) - 1;
        while (esc != 0) {
          const size_t at = i + static_cast<size_t>(__builtin_ctz(esc));
          out->append(s.data() + run, at - run);
          AppendEscape(out, p[at]);
          run = at + 1;
          esc &= esc - 1;
        }
      }
      if (stop != 0) {
        i += static_cast<size_t>(__builtin_ctz(stop));
        break;
      }
      i += 16;
    }
    if (i != block_start) {
      last_starter = i - 1;
      last_ccc = 0;
    }
    if (i >= n) break;
#endif
    unsigned char c = p[i];
    if (c < 0x80) {
      switch (ascii.c[c]) {
        case kPass:
          break;
        case kEscape:
          if constexpr (kEmit) {
            out->append(s.data() + run, i - run);
            AppendEscape(out, c);
            run = i + 1;
          }
          break;
        case kStop:
          return fail();
      }
      last_starter = i;
      last_ccc = 0;
      ++i;
      continue;
    }
    // A run of multi-byte characters (nothing in them needs escaping).
    if (simple == nullptr) {
      simple = SimpleBits();
      table = NfcTable();
    }
    do {
      // The common characters (see SimpleBits()) on a short path: the
      // structure of the sequence, one bit. Everything else, and every invalid
      // sequence, goes through DecodeMultiByte() and the full table.
      c = p[i];
      size_t j = i;
      if (c < 0xe0) {
        // Two-byte characters: 110xxxxx 10xxxxxx in one 16-bit compare
        // (C0/C1 overlongs decode below U+0080, whose bits are clear).
        while (j + 1 < n) {
          uint16_t w;
          std::memcpy(&w, p + j, 2);
          w = static_cast<uint16_t>(le16toh(w));
          if ((w & 0xc0e0) != 0x80c0 || !IsSimple(simple, ((w & 0x1fu) << 6) | ((w >> 8) & 0x3fu)))
            break;
          j += 2;
        }
        if (j != i) {
          last_starter = j - 2;
          last_ccc = 0;
          i = j;
          continue;
        }
      } else if (c < 0xf0) {
        // Three-byte characters: 1110xxxx 10xxxxxx 10xxxxxx.
        while (j + 2 < n) {
          const uint32_t w = p[j] | (uint32_t{p[j + 1]} << 8) | (uint32_t{p[j + 2]} << 16);
          if ((w & 0xc0c0f0) != 0x8080e0) break;
          const uint32_t cp3 = ((w & 0x0fu) << 12) | ((w >> 2) & 0xfc0u) | ((w >> 16) & 0x3fu);
          if (cp3 < 0x800 || !IsSimple(simple, cp3)) break;  // (< 0x800: overlong)
          j += 3;
        }
        if (j != i) {
          last_starter = j - 3;
          last_ccc = 0;
          i = j;
          continue;
        }
      }
      uint32_t cp = 0;
      const int len = DecodeMultiByte(p, i, n, &cp);
      if (len == 0) return fail();
      if (IsSimple(simple, cp)) {
        last_starter = i;
        last_ccc = 0;
        i += static_cast<size_t>(len);
        continue;
      }
      const uint16_t info = NfcInfo(table, cp);
      const unsigned ccc = info & 0xff;
      if (info & kQcNo) return fail();
      if (ccc != 0 && last_ccc > ccc) return fail();  // not in canonical order
      if (info & kQcMaybe) {
        // The segment ends before the next "yes" starter (or at the end).
        size_t j = i + static_cast<size_t>(len);
        while (j < n && p[j] >= 0x80) {
          uint32_t next = 0;
          const int l = DecodeMultiByte(p, j, n, &next);
          if (l == 0) return fail();
          if (next < 0x300) break;
          const uint16_t ni = NfcInfo(table, next);
          if ((ni & (kQcNo | kQcMaybe)) == 0 && (ni & 0xff) == 0) break;
          j += static_cast<size_t>(l);
        }
        if (!IsNfc(s.substr(last_starter, j - last_starter))) return fail();
        i = j;
        last_ccc = 0;  // the character at j (if any) is a starter
        continue;
      }
      if (ccc == 0) last_starter = i;
      last_ccc = ccc;
      i += static_cast<size_t>(len);
    } while (i < n && (p[i] >= 0x80 || OneAsciiBetween(p, i, n, ascii, &last_starter, &last_ccc)));
  }
  if constexpr (kEmit) out->append(s.data() + run, n - run);
  return true;
}

}  // namespace

bool NeedsCleanUp(std::string_view s) { return !Scan<false>(s, false, false, nullptr); }

bool AppendEscapedIfClean(std::string_view s, bool quot, bool stop_cr, std::string* out) {
  return Scan<true>(s, quot, stop_cr, out);
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
