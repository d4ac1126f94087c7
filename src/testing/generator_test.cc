#include "testing/generator.h"

#include <expat.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace dw::testing {
namespace {

// Collects everything into a string.
class StringSink : public Sink {
 public:
  Status Append(std::string_view d) override {
    s += d;
    appends++;
    return Status::OK();
  }
  Status EndUnit(OffsetCallback) override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t BytesIn() const override { return s.size(); }
  std::string s;
  int appends = 0;
};

std::string Generate(const GeneratorOptions& o, GeneratorStats* stats = nullptr) {
  StringSink sink;
  EXPECT_TRUE(GenerateWiki(o, &sink, stats).ok());
  return sink.s;
}

// Parses the XML with expat and counts what a reader of the dump sees.
struct Parsed {
  bool well_formed = false;
  std::string error;
  int pages = 0, revisions = 0, redirects = 0, ips = 0, minors = 0, parentids = 0;
  std::set<int> namespaces;
  std::set<std::string> models;
  std::map<std::string, std::string> user_by_id;  // contributor id -> name
  bool ids_consistent = true;
  bool sha1_ok = true, bytes_ok = true, timestamps_increase = true, parents_chain = true;
  bool non_ascii_title = false;

  // parsing state
  std::string path, chars, text, sha1_attr, username, contrib_id, last_ts, ns_text;
  long bytes_attr = -1;
  long rev_id = 0, prev_rev_in_page = 0, parentid = 0;
};

void Start(void* ud, const char* name, const char** attrs) {
  auto* p = static_cast<Parsed*>(ud);
  std::string n = name;
  p->path += "/" + n;
  p->chars.clear();
  if (n == "page") {
    p->pages++;
    p->prev_rev_in_page = 0;
    p->last_ts.clear();
  } else if (n == "revision") {
    p->revisions++;
    p->parentid = 0;
  } else if (n == "redirect") {
    p->redirects++;
  } else if (n == "minor") {
    p->minors++;
  } else if (n == "text") {
    p->text.clear();
    for (int i = 0; attrs[i]; i += 2) {
      if (std::string(attrs[i]) == "bytes") p->bytes_attr = std::stol(attrs[i + 1]);
      if (std::string(attrs[i]) == "sha1") p->sha1_attr = attrs[i + 1];
    }
  } else if (n == "contributor") {
    p->username.clear();
    p->contrib_id.clear();
  }
}

void End(void* ud, const char* name) {
  auto* p = static_cast<Parsed*>(ud);
  std::string n = name;
  const std::string& c = p->chars;
  if (p->path.ends_with("/page/title")) {
    for (unsigned char ch : c)
      if (ch >= 0x80) p->non_ascii_title = true;
  } else if (p->path.ends_with("/page/ns")) {
    p->namespaces.insert(std::stoi(c));
  } else if (p->path.ends_with("/revision/id")) {
    p->rev_id = std::stol(c);
  } else if (n == "parentid") {
    p->parentid = std::stol(c);
    p->parentids++;
  } else if (n == "timestamp") {
    if (!p->last_ts.empty() && !(p->last_ts < c)) p->timestamps_increase = false;
    p->last_ts = c;
  } else if (n == "ip") {
    p->ips++;
  } else if (n == "username") {
    p->username = c;
  } else if (p->path.ends_with("/contributor/id")) {
    p->contrib_id = c;
  } else if (n == "contributor" && !p->username.empty()) {
    auto [it, fresh] = p->user_by_id.emplace(p->contrib_id, p->username);
    if (!fresh && it->second != p->username) p->ids_consistent = false;
  } else if (n == "model") {
    p->models.insert(c);
  } else if (n == "text") {
    if (static_cast<long>(c.size()) != p->bytes_attr) p->bytes_ok = false;
    if (Sha1Base36(c) != p->sha1_attr) p->sha1_ok = false;
  } else if (n == "revision") {
    if (p->parentid != p->prev_rev_in_page) p->parents_chain = false;
    p->prev_rev_in_page = p->rev_id;
  }
  p->path.resize(p->path.size() - n.size() - 1);
  p->chars.clear();
}

void Chars(void* ud, const char* s, int len) { static_cast<Parsed*>(ud)->chars.append(s, len); }

Parsed Parse(const std::string& xml) {
  Parsed p;
  XML_Parser x = XML_ParserCreate("UTF-8");
  XML_SetUserData(x, &p);
  XML_SetElementHandler(x, Start, End);
  XML_SetCharacterDataHandler(x, Chars);
  p.well_formed = XML_Parse(x, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  if (!p.well_formed) p.error = XML_ErrorString(XML_GetErrorCode(x));
  XML_ParserFree(x);
  return p;
}

TEST(GeneratorTest, Sha1Base36MatchesMediaWiki) {
  // Values from MediaWiki dumps (empty text; sample (a)'s "[[Image:Example.jpg]]").
  EXPECT_EQ(Sha1Base36(""), "phoiac9h4m842xq45sp7s6u21eteeq1");
  EXPECT_EQ(Sha1Base36("[[Image:Example.jpg]]"), "587xc1uawalqazhar4h6ntizdtgg7ki");
}

TEST(GeneratorTest, SameOptionsSameBytes) {
  GeneratorOptions o;
  o.pages = 60;
  o.revisions = 400;
  o.seed = 7;
  const std::string a = Generate(o), b = Generate(o);
  EXPECT_EQ(a, b);
  o.seed = 8;
  EXPECT_NE(a, Generate(o));
}

TEST(GeneratorTest, WellFormedWithRequestedCounts) {
  GeneratorOptions o;
  o.pages = 300;
  o.revisions = 3000;
  o.seed = 42;
  GeneratorStats st;
  const std::string xml = Generate(o, &st);
  const Parsed p = Parse(xml);
  ASSERT_TRUE(p.well_formed) << p.error;
  EXPECT_EQ(p.pages, 300);
  EXPECT_EQ(p.revisions, 3000);
  EXPECT_EQ(st.pages, 300u);
  EXPECT_EQ(st.revisions, 3000u);
  EXPECT_EQ(static_cast<uint64_t>(p.redirects), st.redirects);
  EXPECT_GT(p.redirects, 5);
  EXPECT_GT(p.ips, 100);
  EXPECT_GT(p.minors, 100);
  EXPECT_TRUE(p.bytes_ok);
  EXPECT_TRUE(p.sha1_ok);
  EXPECT_TRUE(p.timestamps_increase);
  EXPECT_TRUE(p.parents_chain);
  EXPECT_TRUE(p.ids_consistent);
  EXPECT_TRUE(p.non_ascii_title);
  EXPECT_GT(p.user_by_id.size(), 20u);
  for (int ns : {0, 1, 2, 3, 4, 10, 14, 828}) EXPECT_TRUE(p.namespaces.count(ns)) << ns;
  for (const char* m : {"wikitext", "Scribunto", "javascript", "css", "json"})
    EXPECT_TRUE(p.models.count(m)) << m;
}

TEST(GeneratorTest, TwoPassByteForm) {
  GeneratorOptions o;
  o.pages = 50;
  o.revisions = 500;
  const std::string xml = Generate(o);
  EXPECT_TRUE(xml.starts_with("<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.11/\""));
  EXPECT_TRUE(xml.ends_with("</page>\n</mediawiki>"));  // no final newline
  EXPECT_EQ(xml.find("<minor/>"), std::string::npos);
  EXPECT_NE(xml.find("<minor />"), std::string::npos);
  EXPECT_NE(xml.find("&quot;"), std::string::npos);
}

TEST(GeneratorTest, SkewedRevisionsPerPage) {
  GeneratorOptions o;
  o.pages = 500;
  o.revisions = 5000;
  const Parsed p = Parse(Generate(o));
  ASSERT_TRUE(p.well_formed);
  // Many pages have one revision while the busiest have hundreds: counted from
  // the parent chains (a first revision has no <parentid>).
  EXPECT_EQ(p.revisions - p.parentids, 500);
  EXPECT_EQ(p.revisions, 5000);
}

TEST(GeneratorTest, StreamsInBoundedAppends) {
  GeneratorOptions o;
  o.pages = 1000;
  o.revisions = 10000;
  StringSink sink;
  ASSERT_TRUE(GenerateWiki(o, &sink).ok());
  EXPECT_GT(sink.appends, 5);  // not one buffer of the whole document
}

TEST(GeneratorTest, RejectsImpossibleOptions) {
  StringSink sink;
  GeneratorOptions o;
  o.pages = 10;
  o.revisions = 5;
  EXPECT_TRUE(GenerateWiki(o, &sink).IsInvalidArgument());
  o.pages = 0;
  EXPECT_TRUE(GenerateWiki(o, &sink).IsInvalidArgument());
}

TEST(GeneratorTest, SiteinfoJsonMatchesXmlHead) {
  GeneratorOptions o;
  o.sitename = "Testwiki";
  o.dbname = "testwiki";
  auto j = nlohmann::json::parse(GenerateSiteinfoJson(o));
  EXPECT_EQ(j["query"]["general"]["sitename"], "Testwiki");
  EXPECT_EQ(j["query"]["general"]["wikiid"], "testwiki");
  EXPECT_EQ(j["query"]["general"]["base"], "https://gen.example.org/wiki/Main_Page");
  EXPECT_EQ(j["query"]["namespaces"]["4"]["name"], "Testwiki");
  EXPECT_EQ(j["query"]["namespaces"]["828"]["name"], "Module");
  const std::string xml = Generate(o);
  EXPECT_NE(xml.find("<namespace key=\"4\" case=\"first-letter\">Testwiki</namespace>"),
            std::string::npos);
  EXPECT_NE(xml.find("<dbname>testwiki</dbname>"), std::string::npos);
}

}  // namespace
}  // namespace dw::testing
