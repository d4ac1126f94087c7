// Dump file names, built and parsed in ONE place (Wikimedia's DumpFilename):
//
//   <wiki>-<date>-<dumpname>[<part>][.<type>][-p<first>p<last>][.<ext>][.inprog]
//
//   enwiki-20260101-pages-meta-history27.xml-p73286101p73426378.bz2
//   aawiki-20260101-all-titles-in-ns0.gz          (no type: "gz" is the ext)
//   aawiki-latest-pages-articles.xml.bz2          (date "latest" for latest/ links)
//
// Known extensions: gz, bz2, 7z, html, txt, json. Anything else after the last
// dot is the type with an empty extension. A part number is a bare integer glued
// to the dump name, so dump names themselves never end in a digit except
// "siteinfo2-..." style names, which have the digit inside.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dw::run {

struct DumpName {
  std::string wiki;
  std::string date;        // YYYYMMDD or "latest"
  std::string dumpname;    // "pages-meta-history", "stub-articles", "all-titles-in-ns0"
  int part = 0;            // 0: no part number
  std::string type;        // "xml", "txt", "sql", "json" or ""
  int64_t first_page = 0;  // page range: both 0 when the name has none
  int64_t last_page = 0;
  std::string ext;      // "bz2", "gz", "7z", ... or ""
  bool inprog = false;  // ends in ".inprog"

  bool has_range() const { return first_page > 0 || last_page > 0; }
  // The file name.
  std::string Name() const;
  // The name with date "latest" (for <public>/<wiki>/latest/).
  std::string LatestName() const;
  // Parses a file name (not a path). nullopt if it is not a dump file name of
  // this grammar. `wiki` must be given: wiki names may contain '-'.
  static std::optional<DumpName> Parse(std::string_view wiki, std::string_view filename);

  bool operator==(const DumpName&) const = default;
};

// Convenience: DumpName{wiki, date, dumpname, part, type, first, last, ext}.Name().
std::string MakeDumpName(std::string_view wiki, std::string_view date, std::string_view dumpname,
                         int part, std::string_view type, std::string_view ext,
                         int64_t first_page = 0, int64_t last_page = 0);

// Run-level files.
std::string ChecksumFileName(std::string_view wiki, std::string_view date, std::string_view hash,
                             std::string_view format);  // "md5", "txt" -> wiki-date-md5sums.txt
std::string LockFileName(std::string_view date);        // lock_<date>

// Natural (numeric-aware) ordering of file names: "x2" < "x10".
bool NaturalLess(std::string_view a, std::string_view b);

}  // namespace dw::run
