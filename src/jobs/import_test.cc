#include "jobs/import.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace dw::jobs {
namespace {

TEST(ImportHelpersTest, CommentHashIsMediaWikis) {
  // Values from a wiki MediaWiki 1.39 wrote (comment table of reference-mw1.39).
  EXPECT_EQ(CommentHash(""), 0);
  EXPECT_EQ(CommentHash("remove installer page before import"), 38809677);
  EXPECT_EQ(CommentHash("Category:YUYb jTeG"), 1970949374);
  // Negative when the CRC has the high bit set (signed 32-bit, as stored).
  EXPECT_LT(CommentHash("a"), 0);  // crc32("a") = 0xe8b7be43
  EXPECT_EQ(CommentHash("a"), static_cast<int32_t>(0xe8b7be43u));
}

TEST(ImportHelpersTest, Sha1Base36) {
  EXPECT_EQ(Sha1Base36(""), "phoiac9h4m842xq45sp7s6u21eteeq1");
  EXPECT_EQ(Sha1Base36("#REDIRECT [[Main Page]]").size(), 31u);
}

TEST(ImportHelpersTest, IpToHex) {
  EXPECT_EQ(IpToHex("127.0.0.1"), "7F000001");
  EXPECT_EQ(IpToHex("85.99.48.75"), "5563304B");
  EXPECT_EQ(IpToHex("::1"), "v6-00000000000000000000000000000001");
  EXPECT_EQ(IpToHex("2001:db8::ff"), "v6-20010DB80000000000000000000000FF");
  EXPECT_EQ(IpToHex("Mr. X"), "");
}

TEST(ImportHelpersTest, Timestamps) {
  auto ts = DumpTimestampToDb("2005-07-07T15:31:37Z");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts, "20050707153137");
  EXPECT_TRUE(DumpTimestampToDb("2005-07-07 15:31:37").status().IsInvalidArgument());
  EXPECT_TRUE(DumpTimestampToDb("2005-07-07TAB:31:37Z").status().IsInvalidArgument());
}

class StringSource : public Source {
 public:
  explicit StringSource(std::string s) : s_(std::move(s)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    n = std::min(n, s_.size() - pos_);
    std::memcpy(buf, s_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string s_;
  size_t pos_ = 0;
};

std::string Page(int64_t id, const std::string& title, int ns, const std::string& revs,
                 const std::string& extra = "") {
  return "<page><title>" + title + "</title><ns>" + std::to_string(ns) + "</ns><id>" +
         std::to_string(id) + "</id>" + extra + revs + "</page>\n";
}
std::string Rev(int64_t id, const std::string& ts, const std::string& who, const std::string& text,
                const std::string& extra = "") {
  return "<revision><id>" + std::to_string(id) + "</id>" + extra + "<timestamp>" + ts +
         "</timestamp><contributor>" + who +
         "</contributor><model>wikitext</model>"
         "<format>text/x-wiki</format><text xml:space=\"preserve\">" +
         text + "</text></revision>";
}
std::string Doc(const std::string& pages) {
  return "<mediawiki version=\"0.11\" xml:lang=\"en\"><siteinfo><sitename>W</sitename>"
         "<dbname>w</dbname><namespaces><namespace key=\"0\" case=\"first-letter\" />"
         "<namespace key=\"2\" case=\"first-letter\">User</namespace></namespaces></siteinfo>\n" +
         pages + "</mediawiki>\n";
}

class ImportSqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-import-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db::DbSpec spec;
    spec.backend = db::Backend::kSqlite;
    spec.path = dir_ + "/w.sqlite";
    auto c = db::Connect(spec);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(*c);
  }
  void TearDown() override {
    conn_.reset();
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  Status Run(const std::string& xml, ImportStats* stats, int64_t batch = 20000,
             bool background_writer = true) {
    StringSource src(xml);
    ImportOptions o;
    o.batch_revisions = batch;
    o.background_writer = background_writer;
    return Import(*conn_, src, "t.xml", o, nullptr, stats);
  }
  int64_t Int(const std::string& sql) {
    auto c = conn_->Query(sql);
    EXPECT_TRUE(c.ok()) << sql;
    if (!c.ok()) return -1;
    auto more = (*c)->Next();
    EXPECT_TRUE(more.ok() && *more) << sql;
    return (*c)->row().Int(0);
  }
  std::string Str(const std::string& sql) {
    auto c = conn_->Query(sql);
    EXPECT_TRUE(c.ok()) << sql;
    if (!c.ok()) return "?";
    auto more = (*c)->Next();
    EXPECT_TRUE(more.ok() && *more) << sql;
    return std::string((*c)->row().Bytes(0));
  }
  std::string dir_;
  std::unique_ptr<db::Connection> conn_;
};

const std::string kAlice = "<username>Alice</username><id>7</id>";
const std::string kIp = "<ip>10.0.0.1</ip>";

TEST_F(ImportSqliteTest, FillsEveryTableWithTheDumpsIds) {
  std::string xml = Doc(
      Page(10, "Main Page", 0,
           Rev(100, "2020-01-01T00:00:00Z", kAlice, "hello", "") +
               Rev(101, "2020-01-02T00:00:00Z", kIp, "hello world", "<parentid>100</parentid>") +
               // Same text as 100 again: <origin> says it shares 100's content row.
               Rev(102, "2020-01-03T00:00:00Z", kAlice, "hello", "<parentid>101</parentid>")) +
      Page(11, "User:Alice", 2,
           Rev(200, "2020-02-01T00:00:00Z", kAlice, "#REDIRECT [[Main Page#Top]]"),
           "<redirect title=\"Main Page#Top\" />"));
  // Put <origin> on 102 pointing at 100 (after <format>, as the writer does).
  size_t p = xml.find("<id>102</id>");
  size_t m = xml.find("<model>", p);
  xml.insert(m, "<origin>100</origin>");
  ImportStats stats;
  Status st = Run(xml, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(stats.pages, 2);
  EXPECT_EQ(stats.revisions, 4);
  EXPECT_EQ(stats.users, 1);
  EXPECT_EQ(stats.shared_content, 1);

  EXPECT_EQ(Int("SELECT page_latest FROM page WHERE page_id = 10"), 102);
  EXPECT_EQ(Int("SELECT page_len FROM page WHERE page_id = 10"), 5);
  EXPECT_EQ(Str("SELECT page_title FROM page WHERE page_id = 11"), "Alice");
  EXPECT_EQ(Int("SELECT page_is_redirect FROM page WHERE page_id = 11"), 1);
  EXPECT_EQ(Int("SELECT page_is_redirect FROM page WHERE page_id = 10"), 0);
  EXPECT_EQ(Int("SELECT page_is_new FROM page WHERE page_id = 11"), 1);
  EXPECT_EQ(Int("SELECT rev_parent_id FROM revision WHERE rev_id = 101"), 100);
  EXPECT_EQ(Int("SELECT rev_len FROM revision WHERE rev_id = 101"), 11);
  EXPECT_EQ(Str("SELECT rev_sha1 FROM revision WHERE rev_id = 100"), Sha1Base36("hello"));
  EXPECT_EQ(Str("SELECT rev_timestamp FROM revision WHERE rev_id = 100"), "20200101000000");
  // Content sharing through <origin>.
  EXPECT_EQ(Int("SELECT slot_origin FROM slots WHERE slot_revision_id = 102"), 100);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM content"), 3);
  EXPECT_EQ(Int("SELECT COUNT(DISTINCT slot_content_id) FROM slots WHERE slot_revision_id IN "
                "(100, 102)"),
            1);
  EXPECT_EQ(
      Str("SELECT content_address FROM content JOIN slots ON slot_content_id = content_id "
          "WHERE slot_revision_id = 101"),
      "tt:" + std::to_string(Int("SELECT MAX(old_id) FROM text WHERE old_text = 'hello world'")));
  EXPECT_EQ(Str("SELECT old_flags FROM text LIMIT 1"), "utf-8");
  // Who: user with the dump's id, actors for the user and the IP.
  EXPECT_EQ(Str("SELECT user_name FROM user WHERE user_id = 7"), "Alice");
  EXPECT_EQ(Int("SELECT actor_user FROM actor WHERE actor_name = 'Alice'"), 7);
  EXPECT_EQ(Int("SELECT actor_user IS NULL FROM actor WHERE actor_name = '10.0.0.1'"), 1);
  EXPECT_EQ(Str("SELECT ipc_hex FROM ip_changes WHERE ipc_rev_id = 101"), "0A000001");
  // Comments: one shared empty comment, with MediaWiki's hash, as TEXT.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM comment"), 1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM revision_comment_temp"), 4);
  EXPECT_EQ(Str("SELECT typeof(page_title) FROM page LIMIT 1"), "text");
  // Redirect row, with its fragment.
  EXPECT_EQ(Str("SELECT rd_title FROM redirect WHERE rd_from = 11"), "Main_Page");
  EXPECT_EQ(Str("SELECT rd_fragment FROM redirect WHERE rd_from = 11"), "Top");
  EXPECT_EQ(Int("SELECT ss_total_edits FROM site_stats"), 4);
  EXPECT_EQ(Int("SELECT ss_total_pages FROM site_stats"), 2);
}

TEST_F(ImportSqliteTest, WithoutOriginSharesLikeImportDump) {
  std::string xml = Doc(Page(1, "P", 0,
                             Rev(1, "2020-01-01T00:00:00Z", kIp, "same") +
                                 Rev(2, "2020-01-02T00:00:00Z", kIp, "same") +
                                 Rev(3, "2020-01-03T00:00:00Z", kIp, "other")));
  ImportStats stats;
  ASSERT_TRUE(Run(xml, &stats).ok());
  EXPECT_EQ(stats.shared_content, 1);
  EXPECT_EQ(Int("SELECT slot_origin FROM slots WHERE slot_revision_id = 2"), 1);
  EXPECT_EQ(Int("SELECT slot_origin FROM slots WHERE slot_revision_id = 3"), 3);
}

TEST_F(ImportSqliteTest, ExistingIdsAreSkippedNeverDuplicated) {
  std::string first = Doc(Page(1, "P", 0, Rev(1, "2020-01-01T00:00:00Z", kAlice, "a")));
  ImportStats stats;
  ASSERT_TRUE(Run(first, &stats).ok());
  std::string second = Doc(Page(1, "P", 0,
                                Rev(1, "2020-01-01T00:00:00Z", kAlice, "CHANGED") +
                                    Rev(2, "2020-01-02T00:00:00Z", kAlice, "b")) +
                           // Same title as page 1 under another id: skipped whole.
                           Page(5, "P", 0, Rev(50, "2020-01-01T00:00:00Z", kAlice, "x")));
  ASSERT_TRUE(Run(second, &stats).ok());
  EXPECT_EQ(stats.revisions_skipped, 1);
  EXPECT_EQ(stats.revisions, 1);
  EXPECT_EQ(stats.pages_updated, 1);
  EXPECT_EQ(stats.pages_skipped, 1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM revision"), 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM page"), 1);
  EXPECT_EQ(Str("SELECT old_text FROM text JOIN content ON content_address = 'tt:' || old_id "
                "JOIN slots ON slot_content_id = content_id WHERE slot_revision_id = 1"),
            "a");
  EXPECT_EQ(Int("SELECT page_latest FROM page WHERE page_id = 1"), 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM user"), 1);
}

// Into an empty database no row is looked up unless this import may have
// written it: a title, user, actor or comment repeated inside one dump must
// still be found (its rows may still be buffered or in flight on the writer
// thread), with and without the background writer.
TEST_F(ImportSqliteTest, ClashesInsideOneDumpIntoAnEmptyDatabase) {
  for (bool background : {true, false}) {
    SCOPED_TRACE(background ? "background writer" : "same thread");
    TearDown();
    SetUp();
    std::string pages;
    int64_t rev = 0;
    for (int p = 1; p <= 30; ++p) {
      std::string revs;
      for (int r = 0; r < 3; ++r) {
        ++rev;
        revs += Rev(rev, "2020-01-01T00:00:0" + std::to_string(r) + "Z", r == 1 ? kIp : kAlice,
                    "t" + std::to_string(rev), "<comment>same</comment>");
      }
      pages += Page(p, "P" + std::to_string(p), 0, revs);
    }
    // Title of page 3 under another id, later in the same dump: skipped whole.
    pages += Page(99, "P3", 0, Rev(990, "2020-01-01T00:00:00Z", kAlice, "dup"));
    // Page 5 again with one new revision: added to it, not duplicated.
    pages += Page(5, "P5", 0, Rev(991, "2020-02-01T00:00:00Z", kAlice, "later"));
    // User id 7 under another name: stored without a user account.
    pages += Page(100, "Q", 0,
                  Rev(992, "2020-01-01T00:00:00Z", "<username>Mallory</username><id>7</id>", "q"));
    ImportStats stats;
    Status st = Run(Doc(pages), &stats, /*batch=*/10, background);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(stats.pages_skipped, 1);
    EXPECT_EQ(stats.pages_updated, 1);
    EXPECT_EQ(stats.revisions, 92);
    EXPECT_EQ(Int("SELECT COUNT(*) FROM page"), 31);
    EXPECT_EQ(Int("SELECT COUNT(*) FROM revision"), 92);
    EXPECT_EQ(Int("SELECT page_latest FROM page WHERE page_id = 5"), 991);
    EXPECT_EQ(Int("SELECT COUNT(*) FROM user"), 1);
    EXPECT_EQ(Int("SELECT COUNT(*) FROM actor"), 3);
    EXPECT_EQ(Int("SELECT actor_user IS NULL FROM actor WHERE actor_name = 'Mallory'"), 1);
    EXPECT_EQ(Int("SELECT COUNT(*) FROM comment"), 2);  // "same" and ""
    EXPECT_EQ(Int("SELECT COUNT(DISTINCT rev_actor) FROM revision"), 3);
    EXPECT_EQ(Int("SELECT COUNT(*) FROM revision_comment_temp"), 92);
  }
}

TEST_F(ImportSqliteTest, MalformedXmlRollsBackTheOpenBatch) {
  std::string pages;
  for (int i = 1; i <= 4; ++i) {
    pages += Page(i, "P" + std::to_string(i), 0,
                  Rev(i, "2020-01-01T00:00:00Z", kIp, "t" + std::to_string(i)));
  }
  std::string xml = Doc(pages);
  // Break page 4.
  size_t p = xml.find("<title>P4</title>");
  xml.replace(p, 17, "<title>P4</titel>");
  ImportStats stats;
  Status st = Run(xml, &stats, /*batch=*/2);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_EQ(st.message().rfind("t.xml:", 0), 0u) << st.message();
  EXPECT_NE(st.message().find("mismatched tag"), std::string::npos) << st.message();
  // Pages 1-2 were committed (batch of 2), page 3 was rolled back with the batch.
  EXPECT_EQ(stats.committed_pages, 2);
  EXPECT_EQ(stats.committed_revisions, 2);
  EXPECT_EQ(stats.last_committed_page_id, 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM page"), 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM revision"), 2);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM text"), 2);
}

TEST_F(ImportSqliteTest, StubInputIsRefused) {
  std::string xml = Doc(Page(
      1, "P", 0,
      "<revision><id>1</id><timestamp>2020-01-01T00:00:00Z</timestamp><contributor>" + kIp +
          "</contributor><text bytes=\"5\" sha1=\"x\" location=\"tt:1\" id=\"1\" /></revision>"));
  ImportStats stats;
  Status st = Run(xml, &stats);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("stub"), std::string::npos) << st.message();
  EXPECT_EQ(Int("SELECT COUNT(*) FROM revision"), 0);
}

TEST_F(ImportSqliteTest, HostileTextIsStoredByteForByte) {
  std::string text = "&lt;b&gt; &amp; ]]&gt; \xc3\xa9 \"quoted\"  ";
  std::string xml = Doc(Page(1, "P", 0, Rev(1, "2020-01-01T00:00:00Z", kIp, text)));
  ImportStats stats;
  ASSERT_TRUE(Run(xml, &stats).ok());
  std::string stored = Str("SELECT old_text FROM text");
  EXPECT_EQ(stored, "<b> & ]]> \xc3\xa9 \"quoted\"  ");
  EXPECT_EQ(Int("SELECT rev_len FROM revision"), static_cast<int64_t>(stored.size()));
}

TEST_F(ImportSqliteTest, BigTextsAreSplitAcrossStatements) {
  // 3 MB texts: a few per statement at most, and one 10 MB text alone.
  std::string revs;
  for (int i = 1; i <= 5; ++i) {
    revs += Rev(i, "2020-01-0" + std::to_string(i) + "T00:00:00Z", kIp,
                std::string(i == 5 ? 10'000'000 : 3'000'000, static_cast<char>('a' + i)));
  }
  std::string xml = Doc(Page(1, "Big", 0, revs));
  ImportStats stats;
  Status st = Run(xml, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Int("SELECT COUNT(*) FROM text"), 5);
  EXPECT_EQ(Int("SELECT SUM(length(CAST(old_text AS BLOB))) FROM text"), 22'000'000);
  EXPECT_EQ(Int("SELECT rev_len FROM revision WHERE rev_id = 5"), 10'000'000);
  EXPECT_EQ(Int("SELECT page_len FROM page"), 10'000'000);
  EXPECT_EQ(Str("SELECT substr(old_text, 1, 3) FROM text JOIN content ON content_address = 'tt:' "
                "|| old_id JOIN slots ON slot_content_id = content_id WHERE slot_revision_id = 3"),
            "ddd");
}

}  // namespace
}  // namespace dw::jobs
