// XmlDumpWriter: MediaWiki's export XML (schema 0.10 / 0.11), byte for byte as
// MediaWiki 1.39 writes it, in either of its two byte forms:
//
//   kOnePass  dumpBackup.php (XmlDumpWriter.php): `"` literal in character data,
//             <minor/>, empty text <text ... xml:space="preserve" />, final "\n";
//   kTwoPass  dumpBackup.php --stub + dumpTextPass.php (the form Wikimedia
//             publishes): `"` as &quot;, <minor />, <sha1 />, empty text without
//             xml:space, CR dropped from texts, no newline after </mediawiki>.
//
// The writer only formats: it appends to a caller's std::string and never
// touches a database or a file. Strings MediaWiki passes through
// Xml::elementClean() (titles, names, comments, texts, log params) are cleaned
// like UtfNormal::cleanUp() (see mw/utfnormal.h), so the output is well-formed
// XML whatever the bytes in the database.
//
// Thread-safety: a writer is used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mw/siteinfo.h"

namespace dw::format {

enum class XmlForm { kOnePass, kTwoPass };

// Character data like PHP htmlspecialchars(ENT_NOQUOTES): & < >; with quot,
// also " (ENT_COMPAT). Input must be valid UTF-8 (PHP would write nothing else).
void AppendXmlText(std::string* out, std::string_view s, bool quot);
// An attribute value like MediaWiki's Sanitizer::encodeAttribute():
// & < > " ' and \n \r \t as character references.
void AppendXmlAttr(std::string* out, std::string_view s);
// "20050707153137" -> "2005-07-07T15:31:37Z" (MediaWiki's TS_ISO_8601).
void AppendIsoTimestamp(std::string* out, std::string_view ts14);
// IPUtils::isValid(): a dotted IPv4 or an IPv6 address.
bool IsValidIp(std::string_view s);

// What the writer needs of one slot of a revision.
struct XmlSlot {
  std::string_view role = "main";
  int64_t origin = 0;
  std::string_view model;
  std::string_view format;
  int64_t size = 0;  // content_size
  std::string_view sha1;
  std::string_view address;
  // The text, when it was loaded (not a stub) and could be read; nullptr when
  // loading failed (MediaWiki then writes <text bytes=".." sha1=".." />).
  const std::string* text = nullptr;
};

struct XmlRevision {
  int64_t id = 0;
  int64_t parent_id = 0;
  std::string_view timestamp;  // 14 digits
  bool minor = false;
  int deleted = 0;  // rev_deleted bits
  int64_t user_id = 0;
  std::string_view user_text;
  std::string_view comment;
  std::string_view sha1;
  std::span<const XmlSlot> slots;  // main first
};

struct XmlPage {
  int64_t id = 0;
  int ns = 0;
  std::string_view title;           // the full title ("User talk:Foo bar")
  std::string_view redirect_title;  // the full target title; written if has_redirect
  bool has_redirect = false;
};

struct XmlLogItem {
  int64_t id = 0;
  std::string_view timestamp;
  int deleted = 0;
  bool user_is_null = false;
  int64_t user_id = 0;
  std::string_view user_text;
  std::string_view comment;
  std::string_view type, action;
  std::string_view title;  // full title
  std::string_view params;
};

class XmlDumpWriter {
 public:
  struct Options {
    std::string schema_version = "0.11";  // "0.10" or "0.11"
    XmlForm form = XmlForm::kOnePass;
    bool stub = false;  // <text ... location=".." id=".." /> instead of the text
  };
  XmlDumpWriter(const mw::SiteInfo& site, Options options);

  void WriteHeader(std::string* out);  // <mediawiki ...> and <siteinfo>
  void WriteFooter(std::string* out);  // </mediawiki>
  void OpenPage(const XmlPage& page, std::string* out);
  void ClosePage(std::string* out);
  void WriteRevision(const XmlRevision& rev, std::string* out);
  void WriteLogItem(const XmlLogItem& item, std::string* out);

 private:
  // Xml::elementClean()'s content: cleaned, then escaped.
  void AppendClean(std::string* out, std::string_view s);
  // Xml::element()'s content (no cleaning).
  void AppendPlain(std::string* out, std::string_view s);
  void WriteContributor(int64_t id, bool id_null, std::string_view text, std::string_view indent,
                        std::string* out);
  void WriteSlot(const XmlSlot& slot, bool is_main, bool text_deleted, std::string* out);

  const mw::SiteInfo& site_;
  Options opt_;
  bool v11_;
  bool quot_;  // escape " in character data (two-pass)
  std::string scratch_, scratch2_;
};

}  // namespace dw::format
