#include "mw/utfnormal.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/utf8.h>

#include <cstring>
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

}  // namespace

bool NeedsCleanUp(std::string_view s) {
  bool high = false;
  for (unsigned char c : s) {
    if (c >= 0x80) {
      high = true;
    } else if (IsBadControl(c)) {
      return true;
    }
  }
  if (!high) return false;
  if (!IsValidUtf8(s)) return true;
  if (s.find("\xef\xbf\xbe") != std::string_view::npos ||
      s.find("\xef\xbf\xbf") != std::string_view::npos)
    return true;
  return !IsNfc(s);
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
