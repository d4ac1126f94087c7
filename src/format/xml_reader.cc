#include "format/xml_reader.h"

#include <expat.h>
#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <memory>

namespace dw::format {
namespace {

enum class El {
  kRoot,  // above <mediawiki>
  kMediawiki,
  kSiteinfo,
  kNamespaces,
  kPage,
  kRevision,
  kContributor,
  kContent,
  kLogitem,
  kLeaf,     // an element whose text is collected
  kIgnored,  // an element (and its subtree) we do not read
};

class Parser {
 public:
  Parser(std::string_view name, XmlHandler& handler) : name_(name), handler_(handler) {
    parser_ = XML_ParserCreate("UTF-8");
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &Parser::StartThunk, &Parser::EndThunk);
    XML_SetCharacterDataHandler(parser_, &Parser::CharThunk);
    stack_.push_back(El::kRoot);
  }
  ~Parser() { XML_ParserFree(parser_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Feeds a chunk; `last` at the end of the input.
  Status Feed(const char* data, size_t n, bool last) {
    if (XML_Parse(parser_, data, static_cast<int>(n), last ? XML_TRUE : XML_FALSE) ==
        XML_STATUS_ERROR) {
      if (!status_.ok()) return status_;
      return Error(XML_ErrorString(XML_GetErrorCode(parser_)));
    }
    if (!status_.ok()) return status_;
    if (last && !header_sent_) {
      // A document with neither siteinfo nor pages still has a header.
      return handler_.OnHeader(header_);
    }
    return Status::OK();
  }

  XmlReadStats stats;

 private:
  static void StartThunk(void* self, const XML_Char* name, const XML_Char** attrs) {
    static_cast<Parser*>(self)->Start(name, attrs);
  }
  static void EndThunk(void* self, const XML_Char* name) { static_cast<Parser*>(self)->End(name); }
  static void CharThunk(void* self, const XML_Char* s, int len) {
    auto* p = static_cast<Parser*>(self);
    if (p->collect_) p->text_.append(s, static_cast<size_t>(len));
  }

  Status Error(std::string_view what) const {
    return Status::Corruption(fmt::format("{}:{}:{}: {}", name_, XML_GetCurrentLineNumber(parser_),
                                          XML_GetCurrentColumnNumber(parser_) + 1, what));
  }

  void Fail(Status st) {
    if (status_.ok()) status_ = std::move(st);
    XML_StopParser(parser_, XML_FALSE);
  }

  static const char* Attr(const XML_Char** attrs, const char* key) {
    for (int i = 0; attrs[i] != nullptr; i += 2) {
      if (std::strcmp(attrs[i], key) == 0) return attrs[i + 1];
    }
    return nullptr;
  }
  static bool IsDeleted(const XML_Char** attrs) {
    const char* d = Attr(attrs, "deleted");
    return d != nullptr && std::strcmp(d, "deleted") == 0;
  }

  bool ParseInt(std::string_view s, int64_t* out, std::string_view what) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
      Fail(Error(fmt::format("<{}>: '{}' is not an integer", what, s)));
      return false;
    }
    *out = v;
    return true;
  }

  void Leaf() {
    stack_.push_back(El::kLeaf);
    collect_ = true;
    text_.clear();
  }

  void SendHeader() {
    if (header_sent_) return;
    header_sent_ = true;
    Status st = handler_.OnHeader(header_);
    if (!st.ok()) Fail(std::move(st));
  }

  void SendPageStart() {
    if (page_started_) return;
    page_started_ = true;
    Status st = handler_.OnPageStart(page_);
    if (!st.ok()) Fail(std::move(st));
  }

  void ReadText(const XML_Char** attrs, ParsedText* t) {
    std::string keep = std::move(t->text);
    *t = ParsedText();
    keep.clear();
    t->text = std::move(keep);
    t->deleted = IsDeleted(attrs);
    if (const char* b = Attr(attrs, "bytes")) {
      int64_t v;
      if (ParseInt(b, &v, "text bytes")) t->bytes = v;
    }
    if (const char* s = Attr(attrs, "sha1")) t->sha1 = s;
    if (const char* l = Attr(attrs, "location")) t->location = l;
    if (const char* i = Attr(attrs, "id")) {
      int64_t v;
      if (ParseInt(i, &v, "text id")) t->id = v;
    }
  }

  void Start(const char* name, const XML_Char** attrs) {
    if (!status_.ok()) return;
    std::string_view n(name);
    El parent = stack_.back();
    leaf_name_ = n;
    switch (parent) {
      case El::kRoot:
        if (n == "mediawiki") {
          if (const char* v = Attr(attrs, "version")) header_.schema_version = v;
          if (const char* l = Attr(attrs, "xml:lang")) {
            header_.lang = l;
            header_.site.lang = l;
          }
          stack_.push_back(El::kMediawiki);
          return;
        }
        Fail(Error(fmt::format("<{}>: not a MediaWiki export (expected <mediawiki>)", n)));
        return;
      case El::kMediawiki:
        if (n == "siteinfo") {
          stack_.push_back(El::kSiteinfo);
          header_.site.namespaces.clear();
          return;
        }
        if (n == "page") {
          SendHeader();
          page_ = ParsedPage();
          page_started_ = false;
          stack_.push_back(El::kPage);
          return;
        }
        if (n == "logitem") {
          SendHeader();
          log_ = ParsedLogItem();
          stack_.push_back(El::kLogitem);
          return;
        }
        break;
      case El::kSiteinfo:
        if (n == "namespaces") {
          stack_.push_back(El::kNamespaces);
          return;
        }
        if (n == "sitename" || n == "dbname" || n == "base" || n == "generator" || n == "case") {
          Leaf();
          return;
        }
        break;
      case El::kNamespaces:
        if (n == "namespace") {
          mw::Namespace ns;
          if (const char* k = Attr(attrs, "key")) {
            int64_t v;
            if (!ParseInt(k, &v, "namespace key")) return;
            ns.key = static_cast<int>(v);
          }
          if (const char* c = Attr(attrs, "case")) ns.case_mode = c;
          ns.content = ns.key == 0;
          header_.site.namespaces.push_back(std::move(ns));
          Leaf();
          return;
        }
        break;
      case El::kPage:
        if (n == "title" || n == "ns" || n == "id" || n == "restrictions") {
          Leaf();
          return;
        }
        if (n == "redirect") {
          const char* t = Attr(attrs, "title");
          page_.redirect_title = t != nullptr ? t : "";
          stack_.push_back(El::kIgnored);
          return;
        }
        if (n == "revision") {
          SendPageStart();
          {
            // Keep the text buffer's capacity from one revision to the next.
            std::string keep = std::move(rev_.main.text.text);
            rev_ = ParsedRevision();
            keep.clear();
            rev_.main.text.text = std::move(keep);
          }
          rev_.main.role = "main";
          stack_.push_back(El::kRevision);
          return;
        }
        if (n == "upload") stats.uploads_skipped++;
        break;
      case El::kRevision:
        if (n == "contributor") {
          rev_.contributor.deleted = IsDeleted(attrs);
          contributor_ = &rev_.contributor;
          stack_.push_back(El::kContributor);
          return;
        }
        if (n == "minor") {
          rev_.minor = true;
          stack_.push_back(El::kIgnored);
          return;
        }
        if (n == "comment") {
          rev_.comment_deleted = IsDeleted(attrs);
          Leaf();
          return;
        }
        if (n == "text") {
          ReadText(attrs, &rev_.main.text);
          Leaf();
          return;
        }
        if (n == "content") {
          rev_.slots.emplace_back();
          stack_.push_back(El::kContent);
          return;
        }
        if (n == "id" || n == "parentid" || n == "timestamp" || n == "origin" || n == "model" ||
            n == "format" || n == "sha1") {
          Leaf();
          return;
        }
        break;
      case El::kContent:
        if (n == "text") {
          ReadText(attrs, &rev_.slots.back().text);
          Leaf();
          return;
        }
        if (n == "role" || n == "origin" || n == "model" || n == "format") {
          Leaf();
          return;
        }
        break;
      case El::kContributor:
        if (n == "username" || n == "id" || n == "ip") {
          Leaf();
          return;
        }
        break;
      case El::kLogitem:
        if (n == "contributor") {
          log_.contributor.deleted = IsDeleted(attrs);
          contributor_ = &log_.contributor;
          stack_.push_back(El::kContributor);
          return;
        }
        if (n == "comment") {
          log_.comment_deleted = IsDeleted(attrs);
          Leaf();
          return;
        }
        if (n == "logtitle") {
          log_.logtitle_deleted = IsDeleted(attrs);
          Leaf();
          return;
        }
        if (n == "id" || n == "timestamp" || n == "type" || n == "action" || n == "text" ||
            n == "params") {
          Leaf();
          return;
        }
        break;
      case El::kLeaf:
        // Markup inside a text field (e.g. a later schema's child): ignore it but
        // keep the parent's collected text.
        stack_.push_back(El::kIgnored);
        return;
      case El::kIgnored:
        stack_.push_back(El::kIgnored);
        return;
    }
    stack_.push_back(El::kIgnored);
  }

  void End(const char* name) {
    if (!status_.ok()) return;
    std::string_view n(name);
    El el = stack_.back();
    stack_.pop_back();
    El parent = stack_.back();
    if (el == El::kLeaf) {
      collect_ = false;
      EndLeaf(parent, n);
      return;
    }
    if (el == El::kIgnored) return;
    Status st;
    switch (el) {
      case El::kSiteinfo:
        SendHeader();
        return;
      case El::kPage:
        SendPageStart();
        if (!status_.ok()) return;
        stats.pages++;
        st = handler_.OnPageEnd(page_);
        break;
      case El::kRevision:
        stats.revisions++;
        st = handler_.OnRevision(page_, rev_);
        break;
      case El::kLogitem:
        stats.logitems++;
        st = handler_.OnLogItem(log_);
        break;
      default:
        return;
    }
    if (!st.ok()) Fail(std::move(st));
  }

  void EndLeaf(El parent, std::string_view n) {
    int64_t v = 0;
    switch (parent) {
      case El::kSiteinfo:
        if (n == "sitename")
          header_.site.sitename = std::move(text_);
        else if (n == "dbname")
          header_.site.dbname = std::move(text_);
        else if (n == "base")
          header_.site.base = std::move(text_);
        else if (n == "generator")
          header_.site.generator = std::move(text_);
        else if (n == "case")
          header_.site.case_mode = std::move(text_);
        break;
      case El::kNamespaces:
        header_.site.namespaces.back().name = std::move(text_);
        break;
      case El::kPage:
        if (n == "title") {
          page_.title = std::move(text_);
        } else if (n == "ns") {
          if (ParseInt(text_, &v, "ns")) page_.ns = static_cast<int>(v);
        } else if (n == "id") {
          if (ParseInt(text_, &v, "id")) page_.id = v;
        } else if (n == "restrictions") {
          page_.restrictions = std::move(text_);
        }
        break;
      case El::kRevision:
        if (n == "id") {
          if (ParseInt(text_, &v, "id")) rev_.id = v;
        } else if (n == "parentid") {
          if (ParseInt(text_, &v, "parentid")) rev_.parent_id = v;
        } else if (n == "timestamp") {
          rev_.timestamp = std::move(text_);
        } else if (n == "comment") {
          rev_.comment = std::move(text_);
        } else if (n == "origin") {
          if (ParseInt(text_, &v, "origin")) rev_.main.origin = v;
        } else if (n == "model") {
          rev_.main.model = std::move(text_);
        } else if (n == "format") {
          rev_.main.format = std::move(text_);
        } else if (n == "text") {
          rev_.main.text.text.swap(text_);  // both buffers keep their capacity
          text_.clear();
        } else if (n == "sha1") {
          rev_.sha1 = std::move(text_);
        }
        break;
      case El::kContent: {
        ParsedSlot& s = rev_.slots.back();
        if (n == "role")
          s.role = std::move(text_);
        else if (n == "origin") {
          if (ParseInt(text_, &v, "origin")) s.origin = v;
        } else if (n == "model")
          s.model = std::move(text_);
        else if (n == "format")
          s.format = std::move(text_);
        else if (n == "text") {
          s.text.text = std::move(text_);
          text_ = std::string();
        }
        break;
      }
      case El::kContributor:
        if (n == "username")
          contributor_->username = std::move(text_);
        else if (n == "ip")
          contributor_->ip = std::move(text_);
        else if (n == "id") {
          if (ParseInt(text_, &v, "contributor id")) contributor_->id = v;
        }
        break;
      case El::kLogitem:
        if (n == "id") {
          if (ParseInt(text_, &v, "id")) log_.id = v;
        } else if (n == "timestamp")
          log_.timestamp = std::move(text_);
        else if (n == "comment")
          log_.comment = std::move(text_);
        else if (n == "type")
          log_.type = std::move(text_);
        else if (n == "action")
          log_.action = std::move(text_);
        else if (n == "text")
          log_.text = std::move(text_);
        else if (n == "logtitle")
          log_.logtitle = std::move(text_);
        else if (n == "params")
          log_.params = std::move(text_);
        break;
      default:
        break;
    }
  }

  std::string name_;
  XmlHandler& handler_;
  XML_Parser parser_;
  Status status_;
  std::vector<El> stack_;
  bool collect_ = false;
  std::string text_;
  std::string_view leaf_name_;
  XmlHeader header_;
  bool header_sent_ = false;
  ParsedPage page_;
  bool page_started_ = false;
  ParsedRevision rev_;
  ParsedLogItem log_;
  ParsedContributor* contributor_ = nullptr;
};

}  // namespace

Status ReadXml(Source& source, std::string_view name, XmlHandler& handler, XmlReadStats* stats) {
  Parser parser(name, handler);
  constexpr size_t kChunk = 256 * 1024;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  uint64_t total = 0;
  for (;;) {
    auto n = source.Read(buf.get(), kChunk);
    if (!n.ok()) return n.status().WithContext(std::string(name));
    total += *n;
    Status st = parser.Feed(buf.get(), *n, *n == 0);
    if (!st.ok()) return st;
    if (*n == 0) break;
  }
  if (stats != nullptr) {
    *stats = parser.stats;
    stats->bytes = total;
  }
  return Status::OK();
}

Status ReadXmlString(std::string_view xml, std::string_view name, XmlHandler& handler,
                     XmlReadStats* stats) {
  class StringSource : public Source {
   public:
    explicit StringSource(std::string_view s) : s_(s) {}
    Result<size_t> Read(char* buf, size_t n) override {
      n = std::min(n, s_.size());
      std::memcpy(buf, s_.data(), n);
      s_.remove_prefix(n);
      return n;
    }

   private:
    std::string_view s_;
  } source(xml);
  return ReadXml(source, name, handler, stats);
}

std::string TitleToDbKey(std::string_view title, int ns) {
  if (ns != 0) {
    size_t colon = title.find(':');
    if (colon != std::string_view::npos) title.remove_prefix(colon + 1);
  }
  std::string key(title);
  for (char& c : key) {
    if (c == ' ') c = '_';
  }
  return key;
}

}  // namespace dw::format
