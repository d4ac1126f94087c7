// XmlReader: a streaming reader of MediaWiki export XML (schema 0.10 and 0.11;
// older versions are read where they agree), on expat.
//
// The reader pulls bytes from a Source in chunks and calls a Handler for each
// item as soon as it is complete: the <siteinfo>, the start of each <page> (once
// its title, ns, id, redirect and restrictions are known, i.e. at its first
// <revision> or at </page>), each <revision>, the end of each page, and each
// <logitem>. Memory is bounded by the largest single revision: no DOM, no page
// history held in memory. <upload> and unknown elements are skipped.
//
// Every field the writer (dumpBackup.php / dumpTextPass.php) writes is read:
// <origin>, <model>, <format>, <text bytes sha1 deleted location id>,
// <contributor deleted>, <comment deleted>, <redirect title>, and the non-main
// slots of 0.11 (<content><role>..<origin>..<model>..<format>..<text>).
//
// Errors: malformed XML is a Corruption status "NAME:LINE:COLUMN: <expat message>";
// a Handler error stops the parse and is returned as is.
//
// Thread-safety: one reader per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "mw/siteinfo.h"
#include "stream/source.h"

namespace dw::format {

struct ParsedContributor {
  bool deleted = false;       // <contributor deleted="deleted" />
  std::string username;       // registered (or "imported>Name"); empty for IPs
  std::optional<int64_t> id;  // <id> of a registered user (0 for imported names)
  std::string ip;             // anonymous editor
};

struct ParsedText {
  std::string text;              // the character data (empty for stubs)
  bool deleted = false;          // deleted="deleted"
  std::optional<int64_t> bytes;  // bytes="N"
  std::string sha1;              // sha1="..." (base 36)
  std::string location;          // location="tt:N" (stubs)
  std::optional<int64_t> id;     // id="N" (stubs)
};

// A slot other than main (0.11 <content>), or the main slot's fields.
struct ParsedSlot {
  std::string role;               // "main" for the revision's own fields
  std::optional<int64_t> origin;  // <origin>
  std::string model;              // <model>
  std::string format;             // <format>
  ParsedText text;
};

struct ParsedRevision {
  int64_t id = 0;
  std::optional<int64_t> parent_id;
  std::string timestamp;  // as written: 2005-07-07T15:31:37Z
  ParsedContributor contributor;
  bool minor = false;
  std::optional<std::string> comment;  // absent when the revision has none
  bool comment_deleted = false;
  ParsedSlot main;                // role "main": <origin>, <model>, <format>, <text>
  std::string sha1;               // <sha1> of the revision (base 36), may be empty
  std::vector<ParsedSlot> slots;  // non-main slots (<content>), in document order
};

struct ParsedPage {
  std::string title;  // as written, with the namespace prefix
  int ns = 0;
  int64_t id = 0;
  std::optional<std::string> redirect_title;  // <redirect title="..."/>
  std::string restrictions;                   // <restrictions> (legacy), usually empty
};

struct ParsedLogItem {
  int64_t id = 0;
  std::string timestamp;
  ParsedContributor contributor;
  std::optional<std::string> comment;
  bool comment_deleted = false;
  std::string type;
  std::string action;
  std::optional<std::string> text;  // <text> (legacy action text)
  std::optional<std::string> logtitle;
  bool logtitle_deleted = false;
  std::string params;
};

// The <siteinfo> and header of a dump.
struct XmlHeader {
  std::string schema_version;  // version="0.11"
  std::string lang;            // xml:lang
  mw::SiteInfo site;           // sitename, dbname, base, generator, case, namespaces
};

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  // After </siteinfo> (or at the first page/logitem if there is none).
  virtual Status OnHeader(const XmlHeader& header) = 0;
  virtual Status OnPageStart(const ParsedPage& page) = 0;
  virtual Status OnRevision(const ParsedPage& page, const ParsedRevision& rev) = 0;
  virtual Status OnPageEnd(const ParsedPage& page) = 0;
  virtual Status OnLogItem(const ParsedLogItem& item) {
    (void)item;
    return Status::OK();
  }
};

struct XmlReadStats {
  uint64_t bytes = 0;  // bytes read from the source
  int64_t pages = 0;
  int64_t revisions = 0;
  int64_t logitems = 0;
  int64_t uploads_skipped = 0;
};

// Reads the whole document from `source`, calling `handler`. `name` is used in
// error messages (a file name, or "-" for stdin).
Status ReadXml(Source& source, std::string_view name, XmlHandler& handler,
               XmlReadStats* stats = nullptr);

// A convenience for tests: the document in memory.
Status ReadXmlString(std::string_view xml, std::string_view name, XmlHandler& handler,
                     XmlReadStats* stats = nullptr);

// Splits a title as written in a dump into its db key (underscores) given the
// page's namespace: "User talk:Foo bar" with ns 3 -> "Foo_bar".
std::string TitleToDbKey(std::string_view title, int ns);

}  // namespace dw::format
