#include "jobs/export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "db/database.h"
#include "testing/mini_schema.h"

namespace dw::jobs {
namespace {

// A Sink that keeps everything and where each unit starts.
class MemorySink final : public Sink {
 public:
  Status Append(std::string_view d) override {
    data.append(d);
    return Status::OK();
  }
  Status EndUnit(OffsetCallback cb) override {
    unit_starts.push_back(data.size());
    if (cb) cb(data.size());
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t BytesIn() const override { return data.size(); }
  std::string data;
  std::vector<uint64_t> unit_starts;
};

// A tiny MediaWiki-shaped wiki: 5 pages in namespaces 0..4, two revisions each.
class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-export-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db::DbSpec spec;
    spec.path = dir_ + "/w.sqlite";
    auto c = db::Connect(spec);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(*c);
    ASSERT_TRUE(conn_->Exec(dw::testing::kMiniExportSchemaSql).ok());
    ASSERT_TRUE(conn_
                    ->Exec(R"(
INSERT INTO comment VALUES (1, 0, '', NULL);
INSERT INTO actor VALUES (1, 1, 'Admin');
INSERT INTO content_models VALUES (1, 'wikitext');
INSERT INTO slot_roles VALUES (1, 'main');
)")
                    .ok());
    for (int p = 1; p <= 5; ++p) {
      for (int r = 0; r < 2; ++r) {
        int rev = p * 10 + r;
        std::string sql = "INSERT INTO revision VALUES (" + std::to_string(rev) + ", " +
                          std::to_string(p) + ", 1, 1, '2020010100000" + std::to_string(r) +
                          "', 0, 0, 1, 0, 's');"
                          "INSERT INTO slots VALUES (" +
                          std::to_string(rev) + ", 1, " + std::to_string(rev) + ", " +
                          std::to_string(rev) +
                          ");"
                          "INSERT INTO content VALUES (" +
                          std::to_string(rev) + ", 1, 's', 1, 'tt:" + std::to_string(rev) +
                          "');"
                          "INSERT INTO text VALUES (" +
                          std::to_string(rev) + ", 'x', 'utf-8');";
        ASSERT_TRUE(conn_->Exec(sql).ok());
      }
      ASSERT_TRUE(conn_
                      ->Exec("INSERT INTO page VALUES (" + std::to_string(p) + ", " +
                             std::to_string(p - 1) + ", 'P" + std::to_string(p) + "', 0, " +
                             std::to_string(p * 10 + 1) + ")")
                      .ok());
    }
  }
  void TearDown() override {
    conn_.reset();
    std::remove((dir_ + "/w.sqlite").c_str());
    rmdir(dir_.c_str());
  }
  static int Count(const std::string& s, std::string_view what) {
    int n = 0;
    for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
    return n;
  }

  // One export of the fixture's wiki into memory (batches of 2 pages).
  std::string ExportToString(History h, bool stub, bool read_ahead, ExportStats* stats,
                             int read_connections = 1,
                             const std::vector<std::string>& filters = {}) {
    MemorySink sink;
    std::vector<ExportOutput> outs(1);
    outs[0].sink = &sink;
    outs[0].filters = filters;
    ExportOptions opt;
    opt.history = h;
    opt.stub = stub;
    opt.batch_size = 2;
    opt.read_ahead = read_ahead;
    opt.read_connections = read_connections;
    Status st = Export(*conn_, site_, opt, outs, nullptr, stats);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return sink.data;
  }

  std::string dir_;
  std::unique_ptr<db::Connection> conn_;
  mw::SiteInfo site_ = mw::SiteInfo::Defaults("w");
};

TEST_F(ExportTest, SeveralOutputsOnePassWithFilters) {
  MemorySink all, latest, articles;
  std::vector<ExportOutput> outs(3);
  outs[0].sink = &all;
  outs[1].sink = &latest;
  outs[1].filters = {"latest"};
  outs[2].sink = &articles;
  outs[2].filters = {"latest", "notalk", "namespace:!NS_USER"};
  ExportOptions opt;
  opt.batch_size = 2;  // several keyset batches
  ExportStats stats;
  ASSERT_TRUE(Export(*conn_, site_, opt, outs, nullptr, &stats).ok());
  EXPECT_EQ(stats.pages, 5);
  EXPECT_EQ(stats.revisions, 10);
  EXPECT_TRUE(stats.problems.empty());
  EXPECT_EQ(Count(all.data, "<page>"), 5);
  EXPECT_EQ(Count(all.data, "<revision>"), 10);
  EXPECT_EQ(Count(latest.data, "<revision>"), 5);
  EXPECT_EQ(Count(latest.data, "<id>11</id>"), 1);
  EXPECT_EQ(Count(latest.data, "<id>10</id>"), 0);
  // Namespaces 0 and 4 pass (1 and 3 are talk, 2 is User).
  EXPECT_EQ(Count(articles.data, "<page>"), 2);
  EXPECT_EQ(Count(articles.data, "<title>P1</title>"), 1);
  EXPECT_EQ(Count(articles.data, "<title>MediaWiki:P5</title>"), 1);
}

TEST_F(ExportTest, ReadAheadOnAndOffWriteTheSameBytes) {
  for (History h : {History::kFull, History::kCurrent}) {
    for (bool stub : {false, true}) {
      std::string out[2];
      for (bool read_ahead : {false, true}) {
        out[read_ahead] = ExportToString(h, stub, read_ahead, nullptr);
      }
      EXPECT_EQ(Count(out[0], "<revision>"), h == History::kFull ? 10 : 5);
      EXPECT_TRUE(out[0] == out[1]) << "stub " << stub;
    }
  }
}

// Several connections, batches formatted on their threads: the same bytes,
// and the same problems in the same order, as one connection.
TEST_F(ExportTest, ParallelFormattingWritesTheSameBytesAndProblems) {
  ASSERT_TRUE(conn_
                  ->Exec("CREATE INDEX rev_page_timestamp ON revision (rev_page, rev_timestamp);"
                         "DELETE FROM text WHERE old_id IN (11, 30, 50);"
                         "UPDATE content SET content_model = 9 WHERE content_id = 41;"
                         "UPDATE text SET old_text = 'a <b> &amp; &c' WHERE old_id = 21;")
                  .ok());
  const std::vector<std::vector<std::string>> filter_sets = {
      {}, {"latest"}, {"latest", "notalk", "namespace:!NS_USER"}};
  for (History h : {History::kFull, History::kCurrent}) {
    for (bool stub : {false, true}) {
      for (const auto& filters : filter_sets) {
        SCOPED_TRACE("history " + std::to_string(static_cast<int>(h)) + " stub " +
                     std::to_string(stub) + " filters " + std::to_string(filters.size()));
        ExportStats one;
        const std::string expect = ExportToString(h, stub, true, &one, 1, filters);
        ASSERT_GT(Count(expect, "<page>"), 0);
        for (int n : {2, 3}) {
          ExportStats many;
          EXPECT_TRUE(ExportToString(h, stub, true, &many, n, filters) == expect) << n;
          EXPECT_EQ(many.pages, one.pages);
          EXPECT_EQ(many.revisions, one.revisions);
          EXPECT_EQ(many.text_bytes, one.text_bytes);
          ASSERT_EQ(many.problems.size(), one.problems.size());
          for (size_t i = 0; i < one.problems.size(); ++i) {
            EXPECT_EQ(many.problems[i].rev_id, one.problems[i].rev_id);
            EXPECT_EQ(many.problems[i].reason, one.problems[i].reason);
          }
        }
        if (h == History::kFull && !stub && filters.empty()) {
          EXPECT_EQ(one.problems.size(), 4u);  // 3 missing text rows, 1 unknown model
        }
      }
    }
  }
}

// A sink that fails after some bytes: the formatting threads are stopped and
// joined, and the sink's error is returned.
TEST_F(ExportTest, ParallelFormattingStopsOnASinkError) {
  class FailingSink final : public Sink {
   public:
    explicit FailingSink(size_t limit) : limit_(limit) {}
    Status Append(std::string_view d) override {
      if (bytes_ + d.size() > limit_) return Status::IOError("disk full (test)");
      bytes_ += d.size();
      return Status::OK();
    }
    Status EndUnit(OffsetCallback) override { return Status::OK(); }
    Status Close() override { return Status::OK(); }
    uint64_t BytesIn() const override { return bytes_; }

   private:
    size_t limit_, bytes_ = 0;
  };
  // Enough pages for many batches, so threads are busy when the sink fails.
  ASSERT_TRUE(conn_->Exec("BEGIN").ok());
  for (int p = 6; p <= 200; ++p) {
    const std::string r = std::to_string(p * 10), ps = std::to_string(p);
    ASSERT_TRUE(conn_
                    ->Exec("INSERT INTO revision VALUES (" + r + ", " + ps +
                           ", 1, 1, '20200101000000', 0, 0, 1, 0, 's');"
                           "INSERT INTO slots VALUES (" +
                           r + ", 1, " + r + ", " + r + ");" + "INSERT INTO content VALUES (" + r +
                           ", 1, 's', 1, 'tt:" + r + "');" + "INSERT INTO text VALUES (" + r +
                           ", '" + std::string(3000, 'y') +
                           "', 'utf-8');"
                           "INSERT INTO page VALUES (" +
                           ps + ", 0, 'Q" + ps + "', 0, " + r + ")")
                    .ok());
  }
  ASSERT_TRUE(conn_->Exec("COMMIT").ok());
  for (size_t limit : {size_t{0}, size_t{5000}, size_t{200000}}) {
    FailingSink sink(limit);
    std::vector<ExportOutput> outs(1);
    outs[0].sink = &sink;
    ExportOptions opt;
    opt.batch_size = 3;
    opt.read_connections = 2;
    Status st = Export(*conn_, site_, opt, outs, nullptr, nullptr);
    EXPECT_TRUE(st.IsIOError()) << limit << ": " << st.ToString();
  }
}

TEST_F(ExportTest, UnitsAndMultistreamIndex) {
  MemorySink sink;
  std::vector<std::tuple<uint64_t, int64_t, std::string>> index;
  std::vector<ExportOutput> outs(1);
  outs[0].sink = &sink;
  outs[0].separate_header_footer = true;
  outs[0].pages_per_unit = 2;
  outs[0].on_page_index = [&](uint64_t off, int64_t id, std::string_view title) {
    index.emplace_back(off, id, std::string(title));
  };
  ExportOptions opt;
  opt.history = History::kCurrent;
  ASSERT_TRUE(Export(*conn_, site_, opt, outs, nullptr, nullptr).ok());
  // Units: header | p1 p2 | p3 p4 | p5 | footer.
  ASSERT_GE(sink.unit_starts.size(), 4u);
  EXPECT_EQ(sink.data.compare(sink.unit_starts[0], 8, "  <page>"), 0);
  EXPECT_EQ(sink.data.substr(sink.unit_starts.back()), "</mediawiki>\n");
  ASSERT_EQ(index.size(), 5u);
  EXPECT_EQ(std::get<1>(index[0]), 1);
  EXPECT_EQ(std::get<2>(index[1]), "Talk:P2");
  EXPECT_EQ(std::get<0>(index[0]), sink.unit_starts[0]);
  EXPECT_EQ(std::get<0>(index[1]), sink.unit_starts[0]);
  EXPECT_EQ(std::get<0>(index[2]), sink.unit_starts[1]);
  EXPECT_EQ(std::get<0>(index[4]), sink.unit_starts[2]);
  EXPECT_EQ(sink.data.compare(std::get<0>(index[2]), 8, "  <page>"), 0);
}

TEST_F(ExportTest, RangesAndProblems) {
  ASSERT_TRUE(conn_->Exec("DELETE FROM text WHERE old_id = 31").ok());
  MemorySink sink;
  std::vector<ExportOutput> outs(1);
  outs[0].sink = &sink;
  ExportOptions opt;
  opt.start = 2;
  opt.end = 4;
  ExportStats stats;
  ASSERT_TRUE(Export(*conn_, site_, opt, outs, nullptr, &stats).ok());
  EXPECT_EQ(stats.pages, 2);
  ASSERT_EQ(stats.problems.size(), 1u);
  EXPECT_EQ(stats.problems[0].rev_id, 31);
  EXPECT_NE(stats.problems[0].reason.find("missing text row 31"), std::string::npos);
  EXPECT_EQ(Count(sink.data, "<text bytes=\"1\" sha1=\"s\" />"), 1);
}

// MediaWiki's SQLite schema indexes revisions by (rev_page, rev_timestamp);
// timestamps need not follow revision ids (imports, clock skew), and
// dumpBackup.php still writes a page's revisions by rev_id.
TEST_F(ExportTest, RevisionsByIdWhateverTheTimestamps) {
  ASSERT_TRUE(conn_
                  ->Exec("CREATE INDEX rev_page_timestamp ON revision (rev_page, rev_timestamp);"
                         "UPDATE revision SET rev_timestamp = '19990101000000' WHERE rev_id = 31;"
                         "UPDATE revision SET rev_timestamp = '20200101000009' WHERE rev_id = 30")
                  .ok());
  for (History h : {History::kFull, History::kCurrent}) {
    for (bool stub : {false, true}) {
      ExportStats stats;
      const std::string data = ExportToString(h, stub, /*read_ahead=*/true, &stats);
      EXPECT_EQ(stats.revisions, h == History::kFull ? 10 : 5);
      size_t r30 = data.find("<id>30</id>"), r31 = data.find("<id>31</id>");
      ASSERT_NE(r31, std::string::npos);
      if (h == History::kFull) {
        ASSERT_NE(r30, std::string::npos);
        EXPECT_LT(r30, r31);
        EXPECT_LT(data.find("<id>21</id>"), r30);
        EXPECT_LT(r31, data.find("<id>40</id>"));
      }
    }
  }
}

// SQLite reads a batch in (rev_page, rev_timestamp) index order when its
// revision ids follow the timestamps (no sort), with the revision range applied
// to both the order check and the batch query.
TEST_F(ExportTest, RevisionRangeInIndexOrder) {
  ASSERT_TRUE(
      conn_->Exec("CREATE INDEX rev_page_timestamp ON revision (rev_page, rev_timestamp)").ok());
  for (int batch : {1, 2, 100}) {
    MemorySink sink;
    std::vector<ExportOutput> outs(1);
    outs[0].sink = &sink;
    ExportOptions opt;
    opt.rev_start = 20;
    opt.rev_end = 41;
    opt.batch_size = batch;
    ExportStats stats;
    Status st = Export(*conn_, site_, opt, outs, nullptr, &stats);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(stats.revisions, 5);
    std::vector<std::string> ids;
    const std::string open = "<revision>\n      <id>";
    for (size_t pos = 0; (pos = sink.data.find(open, pos)) != std::string::npos;) {
      pos += open.size();
      ids.push_back(sink.data.substr(pos, sink.data.find('<', pos) - pos));
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"20", "21", "30", "31", "40"})) << "batch " << batch;
  }
}

TEST_F(ExportTest, BadOptions) {
  MemorySink sink;
  std::vector<ExportOutput> outs(1);
  outs[0].sink = &sink;
  outs[0].filters = {"namespace:NS_NOPE"};
  ExportOptions opt;
  EXPECT_TRUE(ValidateExportOptions(opt, outs).IsInvalidArgument());
  outs[0].filters = {"namespace:User,3"};
  EXPECT_TRUE(ValidateExportOptions(opt, outs, &site_).ok());
  opt.schema_version = "0.9";
  EXPECT_TRUE(ValidateExportOptions(opt, outs, &site_).IsInvalidArgument());
}

}  // namespace
}  // namespace dw::jobs
