#include "format/xml_writer.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mw/utfnormal.h"

namespace dw::format {
namespace {

// Bytes that need work in character data: & < > " (and \r for two-pass).
constexpr std::array<bool, 256> MakeTable(std::string_view chars) {
  std::array<bool, 256> t{};
  for (char c : chars) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kTextSpecial = MakeTable("&<>\"");
constexpr auto kAttrSpecial = MakeTable("&<>\"'\n\r\t");

inline void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

bool IsValidUtf8Fast(std::string_view s) {
  size_t i = 0, n = s.size();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < n) {
    // 8 ASCII bytes at a time (sha1s, model and format names are all ASCII).
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080u) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || i + static_cast<size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
    }
    if (c == 0xe0 && p[i + 1] < 0xa0) return false;
    if (c == 0xed && p[i + 1] >= 0xa0) return false;
    if (c == 0xf0 && p[i + 1] < 0x90) return false;
    if (c == 0xf4 && p[i + 1] >= 0x90) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

// Drops CR (dumpTextPass.php: str_replace("\r", "", $text)).
void StripCr(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    size_t cr = s.find('\r', pos);
    if (cr == std::string_view::npos) {
      out->append(s.substr(pos));
      break;
    }
    out->append(s.substr(pos, cr - pos));
    pos = cr + 1;
  }
}

// What an XML parser makes of line ends in character data (the stub file that
// dumpTextPass.php re-reads): CR LF and lone CR become LF.
void NormalizeLineEnds(std::string* s) {
  if (s->find('\r') == std::string::npos) return;
  std::string out;
  out.reserve(s->size());
  for (size_t i = 0; i < s->size(); ++i) {
    char c = (*s)[i];
    if (c == '\r') {
      out.push_back('\n');
      if (i + 1 < s->size() && (*s)[i + 1] == '\n') ++i;
    } else {
      out.push_back(c);
    }
  }
  s->swap(out);
}

}  // namespace

void AppendXmlText(std::string* out, std::string_view s, bool quot) {
  const char* p = s.data();
  const char* end = p + s.size();
  const char* run = p;
#if defined(__SSE2__)
  const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
  const __m128i qt = _mm_set1_epi8(quot ? '"' : '&');
#endif
  for (; p < end; ++p) {
#if defined(__SSE2__)
    // Skip 16 bytes at a time while none needs escaping.
    while (end - p >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, gt), _mm_cmpeq_epi8(v, qt)));
      int mask = _mm_movemask_epi8(m);
      if (mask != 0) {
        p += __builtin_ctz(static_cast<unsigned>(mask));
        break;
      }
      p += 16;
    }
    if (p >= end) break;
#endif
    unsigned char c = static_cast<unsigned char>(*p);
    if (!kTextSpecial[c]) continue;
    const char* rep;
    size_t len;
    switch (c) {
      case '&':
        rep = "&amp;";
        len = 5;
        break;
      case '<':
        rep = "&lt;";
        len = 4;
        break;
      case '>':
        rep = "&gt;";
        len = 4;
        break;
      default:  // '"'
        if (!quot) continue;
        rep = "&quot;";
        len = 6;
        break;
    }
    out->append(run, static_cast<size_t>(p - run));
    out->append(rep, len);
    run = p + 1;
  }
  out->append(run, static_cast<size_t>(end - run));
}

void AppendXmlAttr(std::string* out, std::string_view s) {
  // htmlspecialchars() gives "" for invalid UTF-8.
  if (!IsValidUtf8Fast(s)) return;
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!kAttrSpecial[c]) continue;
    out->append(s.substr(run, i - run));
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#039;");
        break;
      case '\n':
        out->append("&#10;");
        break;
      case '\r':
        out->append("&#13;");
        break;
      case '\t':
        out->append("&#9;");
        break;
    }
    run = i + 1;
  }
  out->append(s.substr(run));
}

void AppendIsoTimestamp(std::string* out, std::string_view ts) {
  if (ts.size() < 14) {
    out->append(ts);
    return;
  }
  char buf[20] = {ts[0], ts[1], ts[2], ts[3], '-',    ts[4],  ts[5], '-',    ts[6],  ts[7],
                  'T',   ts[8], ts[9], ':',   ts[10], ts[11], ':',   ts[12], ts[13], 'Z'};
  out->append(buf, 20);
}

bool IsValidIp(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  if (s.find(':') != std::string_view::npos) {
    char buf[64];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = 0;
    unsigned char addr[16];
    return inet_pton(AF_INET6, buf, addr) == 1;
  }
  // IPv4: four 1-3 digit parts, each <= 255 (leading zeros allowed).
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    int v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start || v > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

XmlDumpWriter::XmlDumpWriter(const mw::SiteInfo& site, Options options)
    : site_(site), opt_(std::move(options)) {
  v11_ = opt_.schema_version != "0.10";
  quot_ = opt_.form == XmlForm::kTwoPass;
}

void XmlDumpWriter::AppendPlain(std::string* out, std::string_view s) {
  if (!IsValidUtf8Fast(s)) return;  // htmlspecialchars() without ENT_SUBSTITUTE
  if (quot_ && s.find('\r') != std::string_view::npos) {
    scratch2_.assign(s);
    NormalizeLineEnds(&scratch2_);
    AppendXmlText(out, scratch2_, quot_);
    return;
  }
  AppendXmlText(out, s, quot_);
}

void XmlDumpWriter::AppendClean(std::string* out, std::string_view s) {
  if (s == "0") {  // PHP: if ($contents) -- "0" is not cleaned (and needs nothing)
    out->append(s);
    return;
  }
  // One pass that checks, and escapes while it checks (the common case); CR in
  // two-pass form and anything cleanUp() would change take the slow path.
  if (mw::AppendEscapedIfClean(s, quot_, /*stop_cr=*/quot_, out)) return;
  if (mw::NeedsCleanUp(s)) {
    mw::CleanUp(s, &scratch_);
    if (quot_) NormalizeLineEnds(&scratch_);
    AppendXmlText(out, scratch_, quot_);
    return;
  }
  if (quot_ && s.find('\r') != std::string_view::npos) {
    scratch_.assign(s);
    NormalizeLineEnds(&scratch_);
    AppendXmlText(out, scratch_, quot_);
    return;
  }
  AppendXmlText(out, s, quot_);
}

void XmlDumpWriter::WriteHeader(std::string* out) {
  const std::string& ver = opt_.schema_version;
  out->append("<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-");
  out->append(ver);
  out->append(
      "/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://www.mediawiki.org/xml/export-");
  out->append(ver);
  out->append("/ http://www.mediawiki.org/xml/export-");
  out->append(ver);
  out->append(".xsd\" version=\"");
  out->append(ver);
  out->append("\" xml:lang=\"");
  AppendXmlAttr(out, site_.lang);
  out->append("\">\n  <siteinfo>\n    ");
  auto element = [&](std::string_view name, std::string_view value) {
    out->push_back('<');
    out->append(name);
    if (value.empty()) {
      out->append(" />");
      return;
    }
    out->push_back('>');
    AppendPlain(out, value);
    out->append("</");
    out->append(name);
    out->push_back('>');
  };
  element("sitename", site_.sitename);
  out->append("\n    ");
  element("dbname", site_.dbname);
  out->append("\n    ");
  element("base", site_.base);
  out->append("\n    ");
  element("generator", site_.generator);
  out->append("\n    ");
  element("case", site_.case_mode);
  out->append("\n    <namespaces>\n");
  for (const auto& ns : site_.namespaces) {
    out->append("      <namespace key=\"");
    AppendInt(out, ns.key);
    out->append("\" case=\"");
    AppendXmlAttr(out, ns.case_mode);
    out->push_back('"');
    std::string name = ns.name;
    for (char& c : name) {
      if (c == '_') c = ' ';
    }
    if (name.empty()) {
      out->append(" />\n");
    } else {
      out->push_back('>');
      AppendPlain(out, name);
      out->append("</namespace>\n");
    }
  }
  out->append("    </namespaces>\n  </siteinfo>\n");
}

void XmlDumpWriter::WriteFooter(std::string* out) {
  out->append(opt_.form == XmlForm::kTwoPass ? "</mediawiki>" : "</mediawiki>\n");
}

void XmlDumpWriter::OpenPage(const XmlPage& page, std::string* out) {
  out->append("  <page>\n    <title>");
  AppendClean(out, page.title);
  out->append("</title>\n    <ns>");
  AppendInt(out, page.ns);
  out->append("</ns>\n    <id>");
  AppendInt(out, page.id);
  out->append("</id>\n");
  if (page.has_redirect) {
    out->append("    <redirect title=\"");
    AppendXmlAttr(out, page.redirect_title);
    out->append("\" />\n");
  }
}

void XmlDumpWriter::ClosePage(std::string* out) { out->append("  </page>\n"); }

void XmlDumpWriter::WriteContributor(int64_t id, bool id_null, std::string_view text,
                                     std::string_view indent, std::string* out) {
  out->append(indent);
  out->append("<contributor>\n");
  if (id != 0 || !IsValidIp(text)) {
    out->append(indent);
    out->append("  <username");
    if (text.empty()) {
      out->append(" />\n");
    } else {
      out->push_back('>');
      AppendClean(out, text);
      out->append("</username>\n");
    }
    out->append(indent);
    if (id_null) {
      out->append("  <id />\n");
    } else {
      out->append("  <id>");
      AppendInt(out, id);
      out->append("</id>\n");
    }
  } else {
    out->append(indent);
    out->append("  <ip>");
    AppendClean(out, text);
    out->append("</ip>\n");
  }
  out->append(indent);
  out->append("</contributor>\n");
}

void XmlDumpWriter::WriteRevision(const XmlRevision& rev, std::string* out) {
  out->append("    <revision>\n      <id>");
  AppendInt(out, rev.id);
  out->append("</id>\n");
  if (rev.parent_id != 0) {
    out->append("      <parentid>");
    AppendInt(out, rev.parent_id);
    out->append("</parentid>\n");
  }
  out->append("      <timestamp>");
  AppendIsoTimestamp(out, rev.timestamp);
  out->append("</timestamp>\n");
  if (rev.deleted & 4) {
    out->append("      <contributor deleted=\"deleted\" />\n");
  } else {
    WriteContributor(rev.user_id, false, rev.user_text, "      ", out);
  }
  if (rev.minor) out->append(quot_ ? "      <minor />\n" : "      <minor/>\n");
  if (rev.deleted & 2) {
    out->append("      <comment deleted=\"deleted\" />\n");
  } else if (!rev.comment.empty()) {
    out->append("      <comment>");
    AppendClean(out, rev.comment);
    out->append("</comment>\n");
  }
  const bool text_deleted = (rev.deleted & 1) != 0;
  for (size_t i = 0; i < rev.slots.size(); ++i) {
    WriteSlot(rev.slots[i], rev.slots[i].role == "main", text_deleted, out);
  }
  if (text_deleted) {
    out->append(quot_ ? "      <sha1 />\n" : "      <sha1/>\n");
  } else if (rev.sha1.empty()) {
    out->append("      <sha1 />\n");
  } else {
    out->append("      <sha1>");
    AppendPlain(out, rev.sha1);
    out->append("</sha1>\n");
  }
  out->append("    </revision>\n");
}

void XmlDumpWriter::WriteSlot(const XmlSlot& slot, bool is_main, bool text_deleted,
                              std::string* out) {
  if (!v11_ && !is_main) return;
  std::string_view indent = "      ";
  if (!is_main) {
    out->append("      <content>\n");
    indent = "        ";
    out->append(indent);
    out->append("<role>");
    AppendPlain(out, slot.role);
    out->append("</role>\n");
  }
  if (v11_) {
    out->append(indent);
    out->append("<origin>");
    AppendInt(out, slot.origin);
    out->append("</origin>\n");
  }
  auto element = [&](std::string_view name, std::string_view value) {
    out->append(indent);
    out->push_back('<');
    out->append(name);
    if (value.empty()) {
      out->append(" />\n");
      return;
    }
    out->push_back('>');
    AppendPlain(out, value);
    out->append("</");
    out->append(name);
    out->append(">\n");
  };
  element("model", slot.model);
  element("format", slot.format);

  // <text bytes=".." sha1=".." ...
  out->append(indent);
  out->append("<text bytes=\"");
  // One-pass form with the text: bytes = strlen() of the text as loaded,
  // before cleaning; otherwise content_size.
  const bool one_pass_text =
      !text_deleted && !opt_.stub && slot.text != nullptr && opt_.form == XmlForm::kOnePass;
  AppendInt(out, one_pass_text ? static_cast<int64_t>(slot.text->size()) : slot.size);
  out->push_back('"');
  if (v11_) {
    out->append(" sha1=\"");
    AppendXmlAttr(out, slot.sha1);
    out->push_back('"');
  }
  if (text_deleted) {
    out->append(" deleted=\"deleted\" />\n");
  } else if (opt_.stub) {
    if (v11_) {
      out->append(" location=\"");
      AppendXmlAttr(out, slot.address);
      out->push_back('"');
    }
    if (is_main) {
      // SqlBlobStore::getTextIdFromAddress(): "tt:N" -> N; other schemes: no id;
      // a malformed tt: address: 0.
      std::string_view a = slot.address;
      auto colon = a.find(':');
      std::string_view scheme = colon == std::string_view::npos ? a : a.substr(0, colon);
      if (colon == std::string_view::npos || scheme == "tt") {
        int64_t id = 0;
        if (colon != std::string_view::npos) {
          std::string_view num = a.substr(colon + 1);
          auto r = std::from_chars(num.data(), num.data() + num.size(), id);
          if (r.ec != std::errc() || r.ptr != num.data() + num.size() || id <= 0 || num[0] == '0' ||
              num[0] == '+')
            id = 0;
        }
        out->append(" id=\"");
        AppendInt(out, id);
        out->push_back('"');
      }
    }
    out->append(" />\n");
  } else if (slot.text == nullptr) {
    out->append(" />\n");
  } else if (one_pass_text) {
    out->append(" xml:space=\"preserve\"");
    if (slot.text->empty()) {
      out->append(" />\n");
    } else {
      out->push_back('>');
      AppendClean(out, *slot.text);
      out->append("</text>\n");
    }
  } else {
    // dumpTextPass.php: CR dropped, cleaned; bytes stay those of the stub.
    std::string_view t = *slot.text;
    std::string stripped;
    if (t.find('\r') != std::string_view::npos) {
      StripCr(t, &stripped);
      t = stripped;
    }
    if (mw::NeedsCleanUp(t)) {
      std::string cleaned;
      mw::CleanUp(t, &cleaned);
      stripped.swap(cleaned);
      t = stripped;
    }
    // A wikitext whose length differs from the stub's bytes is "unplausible":
    // dumpTextPass.php gives up on it and writes it empty.
    if (slot.model == "wikitext" && slot.size != 0 && static_cast<int64_t>(t.size()) != slot.size) {
      t = {};
    }
    if (t.empty()) {
      out->append(" />\n");
    } else {
      out->append(" xml:space=\"preserve\">");
      AppendXmlText(out, t, true);
      out->append("</text>\n");
    }
  }
  if (!is_main) out->append("      </content>\n");
}

void XmlDumpWriter::WriteLogItem(const XmlLogItem& item, std::string* out) {
  out->append("  <logitem>\n    <id>");
  AppendInt(out, item.id);
  out->append("</id>\n    <timestamp>");
  AppendIsoTimestamp(out, item.timestamp);
  out->append("</timestamp>\n");
  if (item.deleted & 4) {
    out->append("    <contributor deleted=\"deleted\" />\n");
  } else {
    WriteContributor(item.user_id, item.user_is_null, item.user_text, "    ", out);
  }
  if (item.deleted & 2) {
    out->append("    <comment deleted=\"deleted\" />\n");
  } else if (!item.comment.empty()) {
    out->append("    <comment>");
    AppendClean(out, item.comment);
    out->append("</comment>\n");
  }
  auto element = [&](std::string_view name, std::string_view value) {
    out->append("    <");
    out->append(name);
    if (value.empty()) {
      out->append(" />\n");
      return;
    }
    out->push_back('>');
    AppendPlain(out, value);
    out->append("</");
    out->append(name);
    out->append(">\n");
  };
  element("type", item.type);
  element("action", item.action);
  if (item.deleted & 1) {
    out->append("    <text deleted=\"deleted\" />\n");
  } else {
    if (item.title.empty()) {
      out->append("    <logtitle />\n");
    } else {
      out->append("    <logtitle>");
      AppendClean(out, item.title);
      out->append("</logtitle>\n");
    }
    out->append("    <params xml:space=\"preserve\"");
    if (item.params.empty()) {
      out->append(" />\n");
    } else {
      out->push_back('>');
      AppendClean(out, item.params);
      out->append("</params>\n");
    }
  }
  out->append("  </logitem>\n");
}

}  // namespace dw::format
