#include "run/names.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>

namespace dw::run {
namespace {

constexpr std::array<std::string_view, 6> kExts = {"gz", "bz2", "7z", "html", "txt", "json"};

constexpr std::array<std::string_view, 2> kNamesEndingInDigit = {"all-titles-in-ns0",
                                                                 "siteinfo2-namespacesv2"};

bool IsKnownExt(std::string_view e) {
  for (auto k : kExts)
    if (k == e) return true;
  return false;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<int64_t> ToInt(std::string_view s) {
  if (!AllDigits(s)) return std::nullopt;
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc()) return std::nullopt;
  return v;
}

// Parses "-p<first>p<last>" at the end of s; returns the position where it starts.
std::optional<size_t> ParseRange(std::string_view s, int64_t* first, int64_t* last) {
  size_t p2 = s.rfind('p');
  if (p2 == std::string_view::npos || p2 == 0) return std::nullopt;
  auto l = ToInt(s.substr(p2 + 1));
  if (!l) return std::nullopt;
  size_t dash = s.rfind("-p", p2 - 1);
  if (dash == std::string_view::npos) return std::nullopt;
  auto f = ToInt(s.substr(dash + 2, p2 - dash - 2));
  if (!f) return std::nullopt;
  *first = *f;
  *last = *l;
  return dash;
}

}  // namespace

std::string DumpName::Name() const {
  std::string out = fmt::format("{}-{}-{}", wiki, date, dumpname);
  if (part > 0) out += std::to_string(part);
  if (!type.empty()) out += "." + type;
  if (has_range()) out += fmt::format("-p{}p{}", first_page, last_page);
  if (!ext.empty()) out += "." + ext;
  if (inprog) out += ".inprog";
  return out;
}

std::string DumpName::LatestName() const {
  DumpName l = *this;
  l.date = "latest";
  l.inprog = false;
  return l.Name();
}

std::optional<DumpName> DumpName::Parse(std::string_view wiki, std::string_view filename) {
  DumpName d;
  d.wiki = std::string(wiki);
  std::string_view s = filename;
  if (!s.starts_with(wiki) || s.size() <= wiki.size() + 1 || s[wiki.size()] != '-')
    return std::nullopt;
  s.remove_prefix(wiki.size() + 1);
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view date = s.substr(0, dash);
  if (!(date == "latest" || (date.size() == 8 && AllDigits(date)))) return std::nullopt;
  d.date = std::string(date);
  s.remove_prefix(dash + 1);
  if (s.ends_with(".inprog")) {
    d.inprog = true;
    s.remove_suffix(7);
  }
  // Extension.
  size_t dot = s.rfind('.');
  if (dot != std::string_view::npos && IsKnownExt(s.substr(dot + 1))) {
    d.ext = std::string(s.substr(dot + 1));
    s = s.substr(0, dot);
  }
  // Page range (after the type, before the extension).
  if (auto at = ParseRange(s, &d.first_page, &d.last_page)) s = s.substr(0, *at);
  // Type: what follows the first '.' of the rest.
  dot = s.find('.');
  if (dot != std::string_view::npos) {
    d.type = std::string(s.substr(dot + 1));
    s = s.substr(0, dot);
  } else if (d.ext.empty()) {
    return std::nullopt;
  }
  // Part number: trailing digits glued to the dump name (except names that end
  // in a digit themselves).
  for (std::string_view n : kNamesEndingInDigit) {
    if (s == n) {
      d.dumpname = std::string(s);
      return d;
    }
  }
  size_t end = s.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(s[end - 1]))) --end;
  if (end < s.size() && end > 0 && s[end - 1] != '-') {
    d.part = static_cast<int>(*ToInt(s.substr(end)));
    s = s.substr(0, end);
  }
  if (s.empty()) return std::nullopt;
  d.dumpname = std::string(s);
  return d;
}

std::string MakeDumpName(std::string_view wiki, std::string_view date, std::string_view dumpname,
                         int part, std::string_view type, std::string_view ext, int64_t first_page,
                         int64_t last_page) {
  DumpName d{std::string(wiki), std::string(date), std::string(dumpname), part, std::string(type),
             first_page,        last_page,         std::string(ext),      false};
  return d.Name();
}

std::string ChecksumFileName(std::string_view wiki, std::string_view date, std::string_view hash,
                             std::string_view format) {
  return fmt::format("{}-{}-{}sums.{}", wiki, date, hash, format);
}

std::string LockFileName(std::string_view date) { return fmt::format("lock_{}", date); }

bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = std::isdigit(static_cast<unsigned char>(a[i]));
    bool db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace dw::run
