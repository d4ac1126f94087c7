#include "format/xml_writer.h"

#include <gtest/gtest.h>

namespace dw::format {
namespace {

std::string Text(std::string_view s, bool quot) {
  std::string out;
  AppendXmlText(&out, s, quot);
  return out;
}

TEST(XmlWriterTest, EscapesCharacterData) {
  EXPECT_EQ(Text("a & b < c > d \"e\" 'f'", false), "a &amp; b &lt; c &gt; d \"e\" 'f'");
  EXPECT_EQ(Text("a & b < c > d \"e\" 'f'", true), "a &amp; b &lt; c &gt; d &quot;e&quot; 'f'");
  EXPECT_EQ(Text("]]>", false), "]]&gt;");
  // Long runs (the 16-byte fast path) and specials at every position.
  std::string s(40, 'x');
  for (size_t i = 0; i < s.size(); ++i) {
    std::string t = s;
    t[i] = '<';
    std::string want = s.substr(0, i) + "&lt;" + s.substr(i + 1);
    EXPECT_EQ(Text(t, false), want) << i;
  }
}

TEST(XmlWriterTest, EscapesAttributes) {
  std::string out;
  AppendXmlAttr(&out, "a&b<c>d\"e'f\ng\rh\ti");
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e&#039;f&#10;g&#13;h&#9;i");
  out.clear();
  AppendXmlAttr(&out, "bad \xff");  // htmlspecialchars() gives "" for invalid UTF-8
  EXPECT_EQ(out, "");
}

TEST(XmlWriterTest, Timestamps) {
  std::string out;
  AppendIsoTimestamp(&out, "20050707153137");
  EXPECT_EQ(out, "2005-07-07T15:31:37Z");
}

TEST(XmlWriterTest, IpAddresses) {
  EXPECT_TRUE(IsValidIp("24.251.198.251"));
  EXPECT_TRUE(IsValidIp("001.2.3.4"));
  EXPECT_TRUE(IsValidIp("2001:DB8:0:0:0:0:0:1"));
  EXPECT_TRUE(IsValidIp("::1"));
  EXPECT_FALSE(IsValidIp("256.1.1.1"));
  EXPECT_FALSE(IsValidIp("1.2.3"));
  EXPECT_FALSE(IsValidIp("Afar god"));
  EXPECT_FALSE(IsValidIp(""));
}

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() : site_(mw::SiteInfo::Defaults("testwiki")) {}
  std::string Revision(XmlForm form, bool stub, const XmlRevision& rev) {
    XmlDumpWriter::Options o;
    o.form = form;
    o.stub = stub;
    XmlDumpWriter w(site_, o);
    std::string out;
    w.WriteRevision(rev, &out);
    return out;
  }
  mw::SiteInfo site_;
};

TEST_F(WriterTest, OnePassAndTwoPassForms) {
  std::string text = "say \"hi\"\r\n";
  XmlSlot slot;
  slot.origin = 7;
  slot.model = "wikitext";
  slot.format = "text/x-wiki";
  slot.size = 10;
  slot.sha1 = "abc";
  slot.address = "tt:5";
  slot.text = &text;
  XmlRevision rev;
  rev.id = 7;
  rev.parent_id = 6;
  rev.timestamp = "20200102030405";
  rev.minor = true;
  rev.user_id = 3;
  rev.user_text = "Admin";
  rev.comment = "a \"quote\"";
  rev.sha1 = "abc";
  rev.slots = std::span<const XmlSlot>(&slot, 1);
  std::string one = Revision(XmlForm::kOnePass, false, rev);
  EXPECT_NE(one.find("      <minor/>\n"), std::string::npos);
  EXPECT_NE(one.find("<comment>a \"quote\"</comment>"), std::string::npos);
  EXPECT_NE(
      one.find("<text bytes=\"10\" sha1=\"abc\" xml:space=\"preserve\">say \"hi\"\r\n</text>"),
      std::string::npos);
  std::string two = Revision(XmlForm::kTwoPass, false, rev);
  EXPECT_NE(two.find("      <minor />\n"), std::string::npos);
  EXPECT_NE(two.find("<comment>a &quot;quote&quot;</comment>"), std::string::npos);
  // dumpTextPass.php drops CR; the text is then shorter than the stub's bytes,
  // which it treats as a failed fetch: an empty text.
  EXPECT_NE(two.find("<text bytes=\"10\" sha1=\"abc\" />"), std::string::npos) << two;
  std::string stub = Revision(XmlForm::kOnePass, true, rev);
  EXPECT_NE(stub.find("<text bytes=\"10\" sha1=\"abc\" location=\"tt:5\" id=\"5\" />"),
            std::string::npos);
}

TEST_F(WriterTest, DeletedFieldsAndIps) {
  std::string text = "secret";
  XmlSlot slot;
  slot.model = "wikitext";
  slot.format = "text/x-wiki";
  slot.size = 6;
  slot.sha1 = "s";
  slot.text = &text;
  XmlRevision rev;
  rev.id = 1;
  rev.timestamp = "20200102030405";
  rev.deleted = 1 | 2 | 4;
  rev.user_text = "Hidden";
  rev.comment = "hidden";
  rev.sha1 = "s";
  rev.slots = std::span<const XmlSlot>(&slot, 1);
  std::string out = Revision(XmlForm::kOnePass, false, rev);
  EXPECT_NE(out.find("<contributor deleted=\"deleted\" />"), std::string::npos);
  EXPECT_NE(out.find("<comment deleted=\"deleted\" />"), std::string::npos);
  EXPECT_NE(out.find("<text bytes=\"6\" sha1=\"s\" deleted=\"deleted\" />"), std::string::npos);
  EXPECT_NE(out.find("      <sha1/>\n"), std::string::npos);
  EXPECT_EQ(out.find("secret"), std::string::npos);
  rev.deleted = 0;
  rev.user_text = "192.0.2.1";
  out = Revision(XmlForm::kOnePass, false, rev);
  EXPECT_NE(out.find("<ip>192.0.2.1</ip>"), std::string::npos);
  rev.user_id = 5;  // a registered user whose name looks like an IP
  out = Revision(XmlForm::kOnePass, false, rev);
  EXPECT_NE(out.find("<username>192.0.2.1</username>\n        <id>5</id>"), std::string::npos);
}

TEST_F(WriterTest, HeaderFooterAndSchema010) {
  XmlDumpWriter::Options o;
  o.schema_version = "0.10";
  XmlDumpWriter w(site_, o);
  std::string out;
  w.WriteHeader(&out);
  EXPECT_EQ(out.rfind("<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.10/\"", 0), 0u);
  EXPECT_NE(out.find("<dbname>testwiki</dbname>"), std::string::npos);
  EXPECT_NE(out.find("<namespace key=\"0\" case=\"first-letter\" />"), std::string::npos);
  out.clear();
  w.WriteFooter(&out);
  EXPECT_EQ(out, "</mediawiki>\n");
  XmlSlot slot;
  slot.model = "wikitext";
  slot.format = "text/x-wiki";
  slot.size = 0;
  std::string empty;
  slot.text = &empty;
  XmlRevision rev;
  rev.timestamp = "20200102030405";
  rev.user_text = "U";
  rev.slots = std::span<const XmlSlot>(&slot, 1);
  out.clear();
  w.WriteRevision(rev, &out);
  EXPECT_EQ(out.find("<origin>"), std::string::npos);  // 0.11 only
  EXPECT_NE(out.find("<text bytes=\"0\" xml:space=\"preserve\" />"), std::string::npos) << out;
}

}  // namespace
}  // namespace dw::format
