#include "format/xml_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dw::format {
namespace {

// Records every callback.
class Recorder : public XmlHandler {
 public:
  Status OnHeader(const XmlHeader& h) override {
    header = h;
    events.push_back("header");
    return Status::OK();
  }
  Status OnPageStart(const ParsedPage& p) override {
    pages.push_back(p);
    events.push_back("page:" + p.title);
    return Status::OK();
  }
  Status OnRevision(const ParsedPage& p, const ParsedRevision& r) override {
    revs.push_back(r);
    events.push_back("rev:" + std::to_string(r.id) + "@" + std::to_string(p.id));
    if (fail_at_rev == r.id) return Status::Aborted("stop here");
    return Status::OK();
  }
  Status OnPageEnd(const ParsedPage& p) override {
    events.push_back("end:" + std::to_string(p.id));
    return Status::OK();
  }
  Status OnLogItem(const ParsedLogItem& l) override {
    logs.push_back(l);
    events.push_back("log:" + std::to_string(l.id));
    return Status::OK();
  }
  XmlHeader header;
  std::vector<ParsedPage> pages;
  std::vector<ParsedRevision> revs;
  std::vector<ParsedLogItem> logs;
  std::vector<std::string> events;
  int64_t fail_at_rev = -1;
};

constexpr std::string_view kHead011 =
    R"(<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="aa">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>aawiki</dbname>
    <base>https://aa.wikipedia.org/wiki/Main_Page</base>
    <generator>MediaWiki 1.46.0-wmf.7</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="-2" case="first-letter">Media</namespace>
      <namespace key="0" case="first-letter" />
      <namespace key="3" case="first-letter">User talk</namespace>
      <namespace key="828" case="case-sensitive">Module</namespace>
    </namespaces>
  </siteinfo>
)";

TEST(XmlReaderTest, SiteinfoAndEveryRevisionField) {
  std::string xml(kHead011);
  xml += R"(  <page>
    <title>User talk:Foo bar</title>
    <ns>3</ns>
    <id>42</id>
    <redirect title="User:Foo &amp; bar" />
    <revision>
      <id>100</id>
      <parentid>99</parentid>
      <timestamp>2005-07-07T15:31:37Z</timestamp>
      <contributor>
        <username>Arde~aawiki</username>
        <id>55</id>
      </contributor>
      <minor />
      <comment>a &quot;quoted&quot; &lt;comment&gt;</comment>
      <origin>98</origin>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text bytes="11" sha1="abc" xml:space="preserve">hello &amp; ]]&gt;</text>
      <sha1>abc</sha1>
    </revision>
    <revision>
      <id>101</id>
      <timestamp>2005-07-08T00:00:00Z</timestamp>
      <contributor>
        <ip>24.251.198.251</ip>
      </contributor>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text bytes="0" sha1="phoiac9h4m842xq45sp7s6u21eteeq1" />
      <sha1>phoiac9h4m842xq45sp7s6u21eteeq1</sha1>
    </revision>
  </page>
</mediawiki>
)";
  Recorder r;
  XmlReadStats stats;
  ASSERT_TRUE(ReadXmlString(xml, "t.xml", r, &stats).ok());
  EXPECT_EQ(r.header.schema_version, "0.11");
  EXPECT_EQ(r.header.lang, "aa");
  EXPECT_EQ(r.header.site.sitename, "Wikipedia");
  EXPECT_EQ(r.header.site.dbname, "aawiki");
  EXPECT_EQ(r.header.site.base, "https://aa.wikipedia.org/wiki/Main_Page");
  EXPECT_EQ(r.header.site.generator, "MediaWiki 1.46.0-wmf.7");
  ASSERT_EQ(r.header.site.namespaces.size(), 4u);
  EXPECT_EQ(r.header.site.namespaces[0].key, -2);
  EXPECT_EQ(r.header.site.namespaces[1].name, "");
  EXPECT_EQ(r.header.site.namespaces[2].name, "User talk");
  EXPECT_EQ(r.header.site.namespaces[3].case_mode, "case-sensitive");

  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(r.pages[0].title, "User talk:Foo bar");
  EXPECT_EQ(r.pages[0].ns, 3);
  EXPECT_EQ(r.pages[0].id, 42);
  EXPECT_EQ(r.pages[0].redirect_title, "User:Foo & bar");

  ASSERT_EQ(r.revs.size(), 2u);
  const ParsedRevision& a = r.revs[0];
  EXPECT_EQ(a.id, 100);
  EXPECT_EQ(a.parent_id, 99);
  EXPECT_EQ(a.timestamp, "2005-07-07T15:31:37Z");
  EXPECT_EQ(a.contributor.username, "Arde~aawiki");
  EXPECT_EQ(a.contributor.id, 55);
  EXPECT_TRUE(a.contributor.ip.empty());
  EXPECT_TRUE(a.minor);
  EXPECT_EQ(a.comment, "a \"quoted\" <comment>");
  EXPECT_EQ(a.main.origin, 98);
  EXPECT_EQ(a.main.model, "wikitext");
  EXPECT_EQ(a.main.format, "text/x-wiki");
  EXPECT_EQ(a.main.text.text, "hello & ]]>");
  EXPECT_EQ(a.main.text.bytes, 11);
  EXPECT_EQ(a.main.text.sha1, "abc");
  EXPECT_EQ(a.sha1, "abc");

  const ParsedRevision& b = r.revs[1];
  EXPECT_FALSE(b.parent_id.has_value());
  EXPECT_EQ(b.contributor.ip, "24.251.198.251");
  EXPECT_FALSE(b.contributor.id.has_value());
  EXPECT_FALSE(b.minor);
  EXPECT_FALSE(b.comment.has_value());
  EXPECT_FALSE(b.main.origin.has_value());
  EXPECT_EQ(b.main.text.text, "");
  EXPECT_EQ(b.main.text.bytes, 0);

  EXPECT_EQ(r.events, (std::vector<std::string>{"header", "page:User talk:Foo bar", "rev:100@42",
                                                "rev:101@42", "end:42"}));
  EXPECT_EQ(stats.pages, 1);
  EXPECT_EQ(stats.revisions, 2);
  EXPECT_EQ(stats.bytes, xml.size());
}

TEST(XmlReaderTest, Schema010WithoutOriginAndSlots) {
  std::string xml =
      R"(<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">
  <siteinfo><sitename>W</sitename><dbname>w</dbname><case>case-sensitive</case></siteinfo>
  <page>
    <title>Main Page</title>
    <ns>0</ns>
    <id>1</id>
    <restrictions>edit=sysop</restrictions>
    <revision>
      <id>1</id>
      <timestamp>2001-01-15T13:15:00Z</timestamp>
      <contributor><username>A</username><id>1</id></contributor>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text xml:space="preserve">x</text>
      <sha1>s</sha1>
    </revision>
  </page>
</mediawiki>)";
  Recorder r;
  ASSERT_TRUE(ReadXmlString(xml, "t.xml", r).ok());
  EXPECT_EQ(r.header.schema_version, "0.10");
  EXPECT_EQ(r.header.site.case_mode, "case-sensitive");
  ASSERT_EQ(r.revs.size(), 1u);
  EXPECT_FALSE(r.revs[0].main.origin.has_value());
  EXPECT_FALSE(r.revs[0].main.text.bytes.has_value());
  EXPECT_EQ(r.revs[0].main.text.text, "x");
  EXPECT_EQ(r.pages[0].restrictions, "edit=sysop");
}

TEST(XmlReaderTest, DeletedBitsStubsAndSlots) {
  std::string xml(kHead011);
  xml += R"(<page><title>Module:X</title><ns>828</ns><id>7</id>
<revision><id>5</id><timestamp>2020-01-01T00:00:00Z</timestamp>
<contributor deleted="deleted" />
<comment deleted="deleted" />
<origin>5</origin><model>Scribunto</model><format>text/plain</format>
<text bytes="26" sha1="pt" location="tt:136" id="136" />
<content><role>mediainfo</role><origin>4</origin><model>wikibase-mediainfo</model><format>application/json</format><text bytes="2" sha1="q" xml:space="preserve">{}</text></content>
<sha1>pt</sha1></revision>
<revision><id>6</id><timestamp>2020-01-02T00:00:00Z</timestamp><contributor><username>B</username><id>2</id></contributor>
<text deleted="deleted" /><sha1 /></revision>
<upload><timestamp>2020-01-01T00:00:00Z</timestamp><contributor><username>U</username><id>9</id></contributor><filename>a.png</filename><src>x</src><size>1</size></upload>
</page></mediawiki>)";
  Recorder r;
  XmlReadStats stats;
  ASSERT_TRUE(ReadXmlString(xml, "t.xml", r, &stats).ok());
  ASSERT_EQ(r.revs.size(), 2u);
  const ParsedRevision& a = r.revs[0];
  EXPECT_TRUE(a.contributor.deleted);
  EXPECT_TRUE(a.contributor.username.empty());
  EXPECT_TRUE(a.comment_deleted);
  EXPECT_EQ(a.comment, "");
  EXPECT_EQ(a.main.text.location, "tt:136");
  EXPECT_EQ(a.main.text.id, 136);
  EXPECT_EQ(a.main.text.bytes, 26);
  EXPECT_EQ(a.main.model, "Scribunto");
  ASSERT_EQ(a.slots.size(), 1u);
  EXPECT_EQ(a.slots[0].role, "mediainfo");
  EXPECT_EQ(a.slots[0].origin, 4);
  EXPECT_EQ(a.slots[0].model, "wikibase-mediainfo");
  EXPECT_EQ(a.slots[0].format, "application/json");
  EXPECT_EQ(a.slots[0].text.text, "{}");
  EXPECT_TRUE(r.revs[1].main.text.deleted);
  EXPECT_EQ(r.revs[1].sha1, "");
  EXPECT_EQ(stats.uploads_skipped, 1);
  // The upload's contributor did not leak into a revision.
  EXPECT_EQ(r.revs[1].contributor.username, "B");
}

TEST(XmlReaderTest, LogItems) {
  std::string xml(kHead011);
  xml += R"(<logitem><id>2</id><timestamp>2026-11-22T04:36:56Z</timestamp>
<contributor><username>Maintenance script</username><id>3</id></contributor>
<comment>remove</comment><type>delete</type><action>delete</action>
<logtitle>Main Page</logtitle><params xml:space="preserve">a:0:{}</params></logitem>
<logitem><id>3</id><timestamp>2026-11-22T04:36:57Z</timestamp><contributor deleted="deleted" />
<comment deleted="deleted" /><type>move</type><action>move</action><logtitle deleted="deleted" /><params /></logitem>
</mediawiki>)";
  Recorder r;
  ASSERT_TRUE(ReadXmlString(xml, "t.xml", r).ok());
  ASSERT_EQ(r.logs.size(), 2u);
  EXPECT_EQ(r.logs[0].type, "delete");
  EXPECT_EQ(r.logs[0].logtitle, "Main Page");
  EXPECT_EQ(r.logs[0].params, "a:0:{}");
  EXPECT_EQ(r.logs[0].contributor.id, 3);
  EXPECT_TRUE(r.logs[1].contributor.deleted);
  EXPECT_TRUE(r.logs[1].comment_deleted);
  EXPECT_TRUE(r.logs[1].logtitle_deleted);
}

TEST(XmlReaderTest, HostileTextSurvivesByteForByte) {
  std::string big(10 * 1024 * 1024, 'x');
  std::string xml(kHead011);
  xml +=
      "<page><title>T</title><ns>0</ns><id>1</id><revision><id>1</id>"
      "<timestamp>2020-01-01T00:00:00Z</timestamp><contributor><ip>::1</ip></contributor>"
      "<comment>  lead and trail  </comment>"
      "<text xml:space=\"preserve\">&lt;b&gt; &amp;amp; ]]&gt; "
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 &#9;tab\r\n" +
      big +
      "</text></revision>"
      "<revision><id>2</id><timestamp>2020-01-01T00:00:00Z</timestamp><contributor><ip>::1</ip></"
      "contributor>"
      "<text xml:space=\"preserve\"><![CDATA[<raw> & stuff]]></text></revision></page></mediawiki>";
  Recorder r;
  ASSERT_TRUE(ReadXmlString(xml, "t.xml", r).ok());
  ASSERT_EQ(r.revs.size(), 2u);
  EXPECT_EQ(r.revs[0].comment, "  lead and trail  ");
  // Expat normalises \r\n to \n, as every XML parser must.
  EXPECT_EQ(r.revs[0].main.text.text,
            "<b> &amp; ]]> \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \ttab\n" + big);
  EXPECT_EQ(r.revs[1].main.text.text, "<raw> & stuff");
}

TEST(XmlReaderTest, MalformedXmlNamesFileLineAndColumn) {
  std::string xml(kHead011);
  xml += "<page><title>T</title>\n<ns>0</ns><id>1</bad></page></mediawiki>";
  Recorder r;
  Status st = ReadXmlString(xml, "dump.xml", r);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_EQ(st.message().rfind("dump.xml:16:", 0), 0u) << st.message();
  EXPECT_NE(st.message().find("mismatched tag"), std::string::npos) << st.message();
}

TEST(XmlReaderTest, InvalidUtf8AndControlCharactersAreErrors) {
  for (std::string bad : {std::string("\xff\xfe"), std::string("\x01")}) {
    std::string xml(kHead011);
    xml += "<page><title>T" + bad + "</title></page></mediawiki>";
    Recorder r;
    Status st = ReadXmlString(xml, "x.xml", r);
    EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  }
}

TEST(XmlReaderTest, TruncatedDocumentIsAnError) {
  std::string xml(kHead011);
  xml += "<page><title>T</title><ns>0</ns><id>1</id><revision><id>1</id>";
  Recorder r;
  Status st = ReadXmlString(xml, "cut.xml", r);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_EQ(r.revs.size(), 0u);
}

TEST(XmlReaderTest, BadNumberIsAnError) {
  std::string xml(kHead011);
  xml += "<page><title>T</title><ns>zero</ns></page></mediawiki>";
  Recorder r;
  Status st = ReadXmlString(xml, "n.xml", r);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("<ns>: 'zero' is not an integer"), std::string::npos) << st.message();
}

TEST(XmlReaderTest, NotAMediaWikiExport) {
  Recorder r;
  Status st = ReadXmlString("<html><body/></html>", "x.html", r);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("not a MediaWiki export"), std::string::npos);
}

TEST(XmlReaderTest, HandlerErrorStopsTheParse) {
  std::string xml(kHead011);
  for (int i = 1; i <= 3; ++i) {
    xml += "<page><title>P" + std::to_string(i) + "</title><ns>0</ns><id>" + std::to_string(i) +
           "</id><revision><id>" + std::to_string(i) +
           "</id><timestamp>2020-01-01T00:00:00Z</timestamp><text/></revision></page>";
  }
  xml += "</mediawiki>";
  Recorder r;
  r.fail_at_rev = 2;
  Status st = ReadXmlString(xml, "x.xml", r);
  EXPECT_TRUE(st.IsAborted());
  EXPECT_EQ(r.revs.size(), 2u);
}

TEST(XmlReaderTest, TitleToDbKey) {
  EXPECT_EQ(TitleToDbKey("User talk:Foo bar", 3), "Foo_bar");
  EXPECT_EQ(TitleToDbKey("Main Page", 0), "Main_Page");
  EXPECT_EQ(TitleToDbKey("Ratio 1:2", 0), "Ratio_1:2");
  EXPECT_EQ(TitleToDbKey("Template:A:B", 10), "A:B");
}

}  // namespace
}  // namespace dw::format
