#include "mw/revision_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "testing/mini_schema.h"

namespace dw::mw {
namespace {

// Everything a revision carries, as one string (to compare two reads).
std::string Describe(const RevisionData& r) {
  std::string s = std::to_string(r.page_id) + "|" + std::to_string(r.page_ns) + "|" + r.page_title +
                  "|" + std::to_string(r.page_is_redirect) + "|" + std::to_string(r.page_latest) +
                  "|" + std::to_string(r.has_redirect_row) + "|" + std::to_string(r.rd_namespace) +
                  "|" + r.rd_title + "|" + r.rd_interwiki + "|" + std::to_string(r.rev_id) + "|" +
                  std::to_string(r.parent_id) + "|" + r.timestamp + "|" + std::to_string(r.minor) +
                  "|" + std::to_string(r.deleted) + "|" + std::to_string(r.user_id) + "|" +
                  r.user_text + "|" + r.comment + "|" + r.sha1 + "|" +
                  std::to_string(r.slot_count) + "\n";
  for (size_t i = 0; i < r.slot_count; ++i) {
    const SlotData& x = r.slots[i];
    s += "  " + x.role + "|" + std::to_string(x.origin) + "|" + x.model + "|" +
         std::to_string(x.model_id) + "|" + std::to_string(x.size) + "|" + x.sha1 + "|" +
         x.address + "|" + std::to_string(x.has_text_row) + "|" + x.text_flags + "|" +
         std::to_string(x.text_raw.size()) + "|" + x.text_raw + "\n";
  }
  return s;
}

// A hostile MediaWiki-shaped wiki on SQLite: 80 pages of 1-6 revisions, some
// pages whose revision ids do not follow their timestamps (the sorted query),
// multi-slot revisions (slot rows in reverse role order), missing text rows,
// non-text addresses, deleted bits, an unknown content model, redirects,
// binary texts and one 10 MB text.
class RevisionReaderTest : public ::testing::Test {
 protected:
  static constexpr int kPages = 80;
  static constexpr int64_t kBigRev = 200;  // its text is 10 MB

  void SetUp() override {
    char tmpl[] = "/tmp/dw-revreader-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    spec_.path = dir_ + "/w.sqlite";
    auto c = db::Connect(spec_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(*c);
    ASSERT_TRUE(conn_->Exec("PRAGMA page_size=1024").ok());
    ASSERT_TRUE(conn_->Exec(dw::testing::kMiniExportSchemaSql).ok());
    ASSERT_TRUE(conn_
                    ->Exec(R"(
CREATE INDEX rev_page_timestamp ON revision (rev_page, rev_timestamp);
CREATE TABLE redirect (rd_from INTEGER PRIMARY KEY, rd_namespace INTEGER, rd_title BLOB, rd_interwiki BLOB, rd_fragment BLOB);
INSERT INTO comment VALUES (1, 0, 'first <&>', NULL), (2, 0, '', NULL);
INSERT INTO actor VALUES (1, 1, 'Admin'), (2, NULL, '127.0.0.1');
INSERT INTO content_models VALUES (1, 'wikitext'), (2, 'json'), (70000, 'far');
INSERT INTO slot_roles VALUES (1, 'main'), (2, 'zeta'), (3, 'alpha');
BEGIN;
)")
                    .ok());
    auto text_stmt = conn_->Prepare("INSERT INTO text VALUES (?, ?, ?)");
    ASSERT_TRUE(text_stmt.ok());
    int64_t rev = 1;
    auto exec = [&](const std::string& sql) { ASSERT_TRUE(conn_->Exec(sql).ok()) << sql; };
    for (int p = 1; p <= kPages; ++p) {
      const int nrev = 1 + (p * 7) % 6;
      // Timestamps run against the ids (then a batch is sorted) in the first half.
      const bool reversed = p % 5 == 0 && p <= kPages / 2;
      int64_t latest = 0;
      for (int k = 0; k < nrev; ++k, ++rev) {
        const int ts = reversed ? 50 - k : 10 + k;
        const std::string r = std::to_string(rev);
        exec("INSERT INTO revision VALUES (" + r + ", " + std::to_string(p) + ", " +
             std::to_string(1 + rev % 2) + ", " + std::to_string(1 + rev % 3 % 2) +
             ", '200101010000" + std::to_string(ts) + "', " + std::to_string(rev % 2) + ", " +
             std::to_string(rev % 4 == 0 ? rev % 16 : 0) + ", 1, " + std::to_string(rev - 1) +
             ", 'sha" + r + "')");
        // Slots: alpha (3) before main (1) for every third revision.
        static constexpr int kOne[] = {1}, kTwo[] = {3, 1}, kThree[] = {2, 3, 1};
        std::span<const int> roles = rev % 17 == 0  ? std::span<const int>(kThree)
                                     : rev % 3 == 0 ? std::span<const int>(kTwo)
                                                    : std::span<const int>(kOne);
        for (int role : roles) {
          const int64_t content = rev * 10 + role;
          const std::string cid = std::to_string(content);
          std::string address = "tt:" + cid;
          if (rev % 7 == 0 && role == 1) address = "tt:999999" + r;          // missing text row
          if (rev % 11 == 0 && role == 1) address = "es:DB://cluster/" + r;  // not a text row
          const int model = rev % 13 == 0 ? 9 : (role == 1 ? 1 : (rev % 19 == 0 ? 70000 : 2));
          exec("INSERT INTO slots VALUES (" + r + ", " + std::to_string(role) + ", " + cid + ", " +
               r + ")");
          exec("INSERT INTO content VALUES (" + cid + ", 5, 'csha" + cid + "', " +
               std::to_string(model) + ", '" + address + "')");
          std::string text;
          if (rev == kBigRev && role == 1) {
            text.assign(10 << 20, 'B');
          } else {
            text = "text of " + cid + " <&\"> ";
            text.push_back('\0');
            text.append(static_cast<size_t>(rev % 50) * 37, static_cast<char>('a' + rev % 26));
          }
          db::Value v[] = {content, std::string_view(text),
                           std::string_view(rev % 9 == 0 ? "gzip" : "utf-8")};
          ASSERT_TRUE((*text_stmt)->Bind(v).ok());
          ASSERT_TRUE((*text_stmt)->Execute().ok());
        }
        latest = rev;
      }
      exec("INSERT INTO page VALUES (" + std::to_string(p) + ", " + std::to_string(p % 4) +
           ", 'Page_" + std::to_string(p) + "', " + std::to_string(p % 6 == 0) + ", " +
           std::to_string(latest) + ")");
      if (p % 6 == 0) {
        exec("INSERT INTO redirect VALUES (" + std::to_string(p) + ", 0, 'Target_" +
             std::to_string(p) + "', '', '')");
      }
    }
    (*text_stmt).reset();
    exec("COMMIT");
    revisions_ = rev - 1;
  }
  void TearDown() override {
    conn_.reset();
    std::remove(spec_.path.c_str());
    rmdir(dir_.c_str());
  }

  // Reads everything; returns the description of every revision, then the
  // error (if any) as "ERROR: ...".
  std::string ReadAll(const RevisionQuery& q, int64_t* count = nullptr) {
    auto r = RevisionReader::Open(*conn_, q);
    if (!r.ok()) return "OPEN: " + r.status().ToString();
    std::string out;
    int64_t n = 0;
    while (true) {
      auto rev = (*r)->Next();
      if (!rev.ok()) {
        out += "ERROR: " + rev.status().ToString() + "\n";
        // Every later call repeats the error.
        auto again = (*r)->Next();
        EXPECT_FALSE(again.ok());
        if (!again.ok()) {
          EXPECT_EQ(again.status().ToString(), rev.status().ToString());
        }
        break;
      }
      if (*rev == nullptr) break;
      ++n;
      out += Describe(**rev);
    }
    if (count) *count = n;
    return out;
  }

  // One query read three ways: without read-ahead, with it, and with tiny chunks.
  struct ThreeReads {
    std::string off, on, tiny;
    int64_t n_off = 0, n_on = 0, n_tiny = 0;
  };
  ThreeReads ReadThreeWays(RevisionQuery q) {
    ThreeReads t;
    q.read_ahead = false;
    t.off = ReadAll(q, &t.n_off);
    q.read_ahead = true;
    t.on = ReadAll(q, &t.n_on);
    t.tiny = ReadAll(Tiny(q), &t.n_tiny);
    return t;
  }

  static RevisionQuery Tiny(RevisionQuery q) {
    q.batch_pages = 7;
    q.chunk_revisions = 3;
    q.chunk_text_bytes = 500;
    q.read_ahead_bytes = 1000;  // less than the 10 MB text: one chunk passes anyway
    return q;
  }

  std::string dir_;
  db::DbSpec spec_;
  std::unique_ptr<db::Connection> conn_;
  int64_t revisions_ = 0;
};

TEST_F(RevisionReaderTest, ReadAheadGivesTheSameRevisions) {
  for (bool current : {false, true}) {
    for (bool text : {true, false}) {
      SCOPED_TRACE(std::string(current ? "current" : "full") + (text ? " with text" : " stub"));
      RevisionQuery q;
      q.current = current;
      q.load_text = text;
      const auto [off, on, tiny, n_off, n_on, n_tiny] = ReadThreeWays(q);
      q.read_ahead = true;
      EXPECT_EQ(n_off, current ? kPages : revisions_);
      EXPECT_EQ(off.find("ERROR"), std::string::npos);
      EXPECT_EQ(n_on, n_off);
      EXPECT_EQ(n_tiny, n_off);
      EXPECT_TRUE(on == off) << "read-ahead output differs";
      EXPECT_TRUE(tiny == off) << "read-ahead output (tiny chunks) differs";
      // Several connections, batches handed out in turn.
      for (int n : {2, 3}) {
        RevisionQuery m = q;
        m.read_connections = n;
        int64_t n_many = 0, n_many_tiny = 0;
        EXPECT_TRUE(ReadAll(m, &n_many) == off) << n << " connections";
        EXPECT_TRUE(ReadAll(Tiny(m), &n_many_tiny) == off) << n << " connections, tiny";
        EXPECT_EQ(n_many, n_off);
        EXPECT_EQ(n_many_tiny, n_off);
      }
      if (text && !current) {
        EXPECT_NE(off.find(std::string(1000, 'B')), std::string::npos);  // the 10 MB text
      }
    }
  }
}

TEST_F(RevisionReaderTest, SlotsSortedNamesByIdAndMissingRows) {
  RevisionQuery q = Tiny(RevisionQuery());
  auto r = RevisionReader::Open(*conn_, q);
  ASSERT_TRUE(r.ok());
  int multi = 0, missing = 0, unknown_model = 0, far_model = 0, redirects = 0;
  int64_t last_page = 0, last_rev = 0;
  while (true) {
    auto rev = (*r)->Next();
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
    if (*rev == nullptr) break;
    const RevisionData& d = **rev;
    ASSERT_TRUE(d.page_id > last_page || (d.page_id == last_page && d.rev_id > last_rev));
    last_page = d.page_id;
    last_rev = d.rev_id;
    ASSERT_GE(d.slot_count, 1u);
    EXPECT_EQ(d.slots[0].role, "main");
    if (d.slot_count == 2) {
      ++multi;
      EXPECT_EQ(d.slots[1].role, "alpha");
    }
    if (d.slot_count == 3) {
      EXPECT_EQ(d.slots[2].role, "zeta");
    }
    if (d.rev_id % 7 == 0 && d.rev_id % 11 != 0) {
      EXPECT_FALSE(d.slots[0].has_text_row);
      ++missing;
    } else if (d.rev_id % 11 == 0) {
      EXPECT_FALSE(d.slots[0].has_text_row);
    } else {
      EXPECT_TRUE(d.slots[0].has_text_row) << d.rev_id;
    }
    for (size_t i = 0; i < d.slot_count; ++i) {
      if (d.slots[i].model_id == 9) {
        EXPECT_EQ(d.slots[i].model, "");
        ++unknown_model;
      }
      if (d.slots[i].model_id == 70000) {
        EXPECT_EQ(d.slots[i].model, "far");
        ++far_model;
      }
    }
    if (d.has_redirect_row) {
      EXPECT_EQ(d.rd_title, "Target_" + std::to_string(d.page_id));
      ++redirects;
    } else {
      EXPECT_EQ(d.rd_title, "");
    }
  }
  EXPECT_GT(multi, 10);
  EXPECT_GT(missing, 5);
  EXPECT_GT(unknown_model, 3);
  EXPECT_GT(far_model, 0);
  EXPECT_GT(redirects, 5);
}

// Overwrites the "next overflow page" pointer of a page of the 10 MB text:
// reading that row fails with SQLITE_CORRUPT, in the middle of the wiki.
void CorruptBigText(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good());
  const size_t page = 1024;
  std::string buf(page, '\0');
  for (size_t off = 0;; off += page) {
    f.seekg(static_cast<std::streamoff>(off));
    if (!f.read(buf.data(), static_cast<std::streamsize>(page))) break;
    if (buf.find_first_not_of('B', 4) == std::string::npos) {
      f.seekp(static_cast<std::streamoff>(off));
      f.write("\x7f\xff\xff\xff", 4);  // a page number far beyond the file
      return;
    }
  }
  FAIL() << "no overflow page of the big text found";
}

TEST_F(RevisionReaderTest, ErrorMidStreamComesAfterTheEarlierRevisions) {
  conn_.reset();
  CorruptBigText(spec_.path);
  auto c = db::Connect(spec_);
  ASSERT_TRUE(c.ok());
  conn_ = std::move(*c);
  RevisionQuery q;
  const auto [off, on, tiny, n_off, n_on, n_tiny] = ReadThreeWays(q);
  q.read_ahead = true;
  ASSERT_NE(off.find("ERROR: "), std::string::npos) << "the corruption was not noticed";
  EXPECT_NE(off.find("malformed"), std::string::npos) << off.substr(off.find("ERROR"));
  // Every revision before the big one but the last (whose end is only known
  // from the next row: the failing one), then the error.
  EXPECT_EQ(n_off, kBigRev - 2);
  EXPECT_EQ(n_on, n_off);
  EXPECT_EQ(n_tiny, n_off);
  EXPECT_TRUE(on == off);
  EXPECT_TRUE(tiny == off);
  // Several connections: the batches end elsewhere, so the revision before
  // the big one may end its batch (then it is complete and comes too); the
  // rest is the same, the error included.
  auto error_of = [](const std::string& s) { return s.substr(s.find("ERROR: ")); };
  for (int n : {2, 3}) {
    RevisionQuery m = q;
    m.read_connections = n;
    for (const RevisionQuery& mq : {m, Tiny(m)}) {
      int64_t n_many = 0;
      const std::string many = ReadAll(mq, &n_many);
      ASSERT_NE(many.find("ERROR: "), std::string::npos) << n;
      EXPECT_GE(n_many, kBigRev - 2);
      EXPECT_LE(n_many, kBigRev - 1);
      const std::string revs = off.substr(0, off.find("ERROR: "));
      EXPECT_EQ(many.substr(0, revs.size()), revs) << n;
      EXPECT_EQ(error_of(many), error_of(off)) << n;
    }
  }
}

// Several connections need every one to read the caller's snapshot: not so in
// WAL mode (a writer may commit between their first reads), so one is used.
TEST_F(RevisionReaderTest, WalModeReadsOnOneConnection) {
  auto read_with = [&](int n, size_t* used) {
    RevisionQuery q = Tiny(RevisionQuery());
    q.read_connections = n;
    auto r = RevisionReader::Open(*conn_, q);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return std::string();
    *used = (*r)->connections();
    r->reset();
    return ReadAll(q);
  };
  size_t used = 0;
  const std::string rollback = read_with(3, &used);
  EXPECT_EQ(used, 3u);
  ASSERT_TRUE(conn_->Exec("PRAGMA journal_mode=WAL").ok());
  const std::string wal = read_with(3, &used);
  EXPECT_EQ(used, 1u);
  EXPECT_TRUE(wal == rollback);
  ASSERT_TRUE(conn_->Exec("PRAGMA journal_mode=DELETE").ok());
}

TEST_F(RevisionReaderTest, DestroyedEarlyStopsTheWorker) {
  for (int calls : {0, 1, 3, 50, 201}) {
    RevisionQuery q = Tiny(RevisionQuery());
    q.read_connections = calls % 2 == 0 ? 1 : 3;
    auto r = RevisionReader::Open(*conn_, q);
    ASSERT_TRUE(r.ok());
    for (int i = 0; i < calls; ++i) {
      auto rev = (*r)->Next();
      ASSERT_TRUE(rev.ok());
      ASSERT_NE(*rev, nullptr);
    }
    r->reset();  // must not hang: the worker waits for room in the queue
  }
  // The connection is usable again afterwards.
  auto cur = conn_->Query("SELECT COUNT(*) FROM revision");
  ASSERT_TRUE(cur.ok());
  ASSERT_TRUE(*(*cur)->Next());
  EXPECT_EQ((*cur)->row().Int(0), revisions_);
}

}  // namespace
}  // namespace dw::mw
