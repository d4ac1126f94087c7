#include "mw/external_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "stream/test_util.h"

namespace dw::mw {
namespace {

std::string Deflate(std::string_view s) { return stream::test::RawDeflate(s); }

std::string PhpStr(std::string_view s) { return fmt::format("s:{}:\"{}\";", s.size(), s); }

// What PHP's serialize() gives for a compressed ConcatenatedGzipHistoryBlob
// holding `items` (hash -> text).
std::string SerializedBlob(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string array = fmt::format("a:{}:{{", items.size());
  for (const auto& [k, v] : items) array += PhpStr(k) + PhpStr(v);
  array += "}";
  return "O:27:\"ConcatenatedGzipHistoryBlob\":4:{" + PhpStr("mVersion") + "i:0;" +
         PhpStr("mCompressed") + "b:1;" + PhpStr("mItems") + PhpStr(Deflate(array)) +
         PhpStr("mDefaultHash") + PhpStr(items.empty() ? "" : items[0].first) + "}";
}

TEST(ExternalStoreTest, ParsesUrls) {
  auto u = ParseExternalUrl("DB://cluster24/12345");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->cluster, "cluster24");
  EXPECT_EQ(u->id, 12345);
  EXPECT_EQ(u->item, "");
  u = ParseExternalUrl("DB://rc1/7/0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->item, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(ParseExternalUrl("DB://cluster1/").status().IsInvalidArgument());
  EXPECT_TRUE(ParseExternalUrl("DB://cluster1/x1").status().IsInvalidArgument());
  EXPECT_TRUE(ParseExternalUrl("DB:///5").status().IsInvalidArgument());
  EXPECT_TRUE(ParseExternalUrl("DB://c/5/").status().IsInvalidArgument());
  EXPECT_TRUE(ParseExternalUrl("hello").status().IsInvalidArgument());
  EXPECT_TRUE(ParseExternalUrl("mwstore://x/y").status().code() == Status::Code::kNotSupported);
}

TEST(ExternalStoreTest, HistoryBlobItems) {
  std::string blob = SerializedBlob({{"aaaa", "first text"}, {"bbbb", "second \"text\"; ok"}});
  std::string out;
  ASSERT_TRUE(HistoryBlobItem(blob, "bbbb", &out).ok());
  EXPECT_EQ(out, "second \"text\"; ok");
  ASSERT_TRUE(HistoryBlobItem(blob, "aaaa", &out).ok());
  EXPECT_EQ(out, "first text");
  EXPECT_TRUE(HistoryBlobItem(blob, "cccc", &out).IsNotFound());
  // Uncompressed form.
  std::string plain = "O:27:\"ConcatenatedGzipHistoryBlob\":2:{" + PhpStr("mCompressed") + "b:0;" +
                      PhpStr("mItems") + "a:1:{" + PhpStr("h") + PhpStr("x") + "}}";
  ASSERT_TRUE(HistoryBlobItem(plain, "h", &out).ok());
  EXPECT_EQ(out, "x");
  // Other classes, garbage, truncation.
  EXPECT_TRUE(HistoryBlobItem("O:15:\"DiffHistoryBlob\":0:{}", "h", &out).code() ==
              Status::Code::kNotSupported);
  EXPECT_TRUE(HistoryBlobItem("garbage", "h", &out).IsCorruption());
  EXPECT_TRUE(HistoryBlobItem(blob.substr(0, blob.size() / 2), "h", &out).IsCorruption());
}

TEST(ExternalStoreTest, FetchesFromSqliteCluster) {
  stream::test::TempDir dir;
  std::string path = dir.File("es.sqlite");
  auto spec = db::ParseDbUrl("sqlite:" + path);
  ASSERT_TRUE(spec.ok());
  {
    auto conn = db::Connect(*spec);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE(
        (*conn)->Exec("CREATE TABLE blobs (blob_id INTEGER PRIMARY KEY, blob_text BLOB)").ok());
    auto st = (*conn)->Prepare("INSERT INTO blobs VALUES (?, ?)");
    ASSERT_TRUE(st.ok());
    std::string gz = Deflate("compressed text");
    std::string hb = SerializedBlob({{"h1", "item one"}, {"h2", "item two"}});
    for (auto [id, text] :
         {std::pair<int64_t, std::string_view>{1, "plain text"}, {2, gz}, {3, hb}}) {
      db::Value v[] = {id, text};
      ASSERT_TRUE((*st)->Bind(v).ok());
      ASSERT_TRUE((*st)->Execute().ok());
    }
  }
  std::map<std::string, db::DbSpec> clusters;
  ASSERT_TRUE(ExternalStore::AddClusterArg("Cluster1=sqlite:" + path, &clusters).ok());
  EXPECT_FALSE(ExternalStore::AddClusterArg("cluster1", &clusters).ok());
  EXPECT_FALSE(ExternalStore::AddClusterArg("c=nosuch:x", &clusters).ok());
  ExternalStore store(clusters);
  std::string out;
  ASSERT_TRUE(DecodeTextRow("utf-8,external", "DB://cluster1/1", &store, &out).ok());
  EXPECT_EQ(out, "plain text");
  ASSERT_TRUE(DecodeTextRow("external,gzip,utf-8", "DB://cluster1/2", &store, &out).ok());
  EXPECT_EQ(out, "compressed text");
  ASSERT_TRUE(DecodeTextRow("utf-8,external", "DB://cluster1/3/h2", &store, &out).ok());
  EXPECT_EQ(out, "item two");
  ASSERT_TRUE(DecodeTextRow("utf-8,external", "DB://cluster1/3/h1", &store, &out).ok());
  EXPECT_EQ(out, "item one");
  EXPECT_TRUE(DecodeTextRow("utf-8,external", "DB://cluster1/3/h9", &store, &out).IsNotFound());
  EXPECT_TRUE(DecodeTextRow("utf-8,external", "DB://cluster1/99", &store, &out).IsNotFound());
  Status st = DecodeTextRow("utf-8,external", "DB://cluster2/1", &store, &out);
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_NE(st.message().find("cluster2"), std::string::npos) << st.ToString();
  EXPECT_TRUE(DecodeTextRow("external,gzip", "DB://cluster1/1", &store, &out).IsCorruption());
  // Not external: as DecodeTextBlob.
  ASSERT_TRUE(DecodeTextRow("utf-8", "inline", &store, &out).ok());
  EXPECT_EQ(out, "inline");
  // No store: reported, naming the URL.
  st = DecodeTextRow("utf-8,external", "DB://cluster1/1", nullptr, &out);
  EXPECT_TRUE(st.code() == Status::Code::kNotSupported);
  EXPECT_NE(st.message().find("DB://cluster1/1"), std::string::npos);
}

TEST(ExternalStoreTest, MissingDatabaseNamesCluster) {
  std::map<std::string, db::DbSpec> clusters;
  ASSERT_TRUE(ExternalStore::AddClusterArg("c1=sqlite:/nonexistent/dir/es.sqlite", &clusters).ok());
  ExternalStore store(clusters);
  std::string out;
  Status st = DecodeTextRow("external", "DB://c1/1", &store, &out);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("c1"), std::string::npos) << st.ToString();
}

// What PHP's serialize() gives for a HistoryBlobStub (protected properties);
// compressOld.php sets mOldId to the string the database returned.
std::string SerializedStub(std::string_view hash, std::string_view old_id_value) {
  std::string p = std::string("\0*\0", 3);
  return "O:15:\"HistoryBlobStub\":3:{" + PhpStr(p + "mOldId") + std::string(old_id_value) +
         PhpStr(p + "mHash") + PhpStr(hash) + PhpStr(p + "mRef") + "i:7;}";
}

// compressOld.php's layout: text row 10 holds a ConcatenatedGzipHistoryBlob
// (flags object,utf-8; its own text is the default item), rows 11 and 12 hold
// HistoryBlobStubs naming items of it; moveToExternal.php then moves row 20's
// blob to a cluster (object,utf-8,external) and leaves its stub row 21.
TEST(ExternalStoreTest, ObjectRowsAndHistoryBlobStubs) {
  stream::test::TempDir dir;
  auto wiki = db::ParseDbUrl("sqlite:" + dir.File("wiki.sqlite"));
  auto es = db::ParseDbUrl("sqlite:" + dir.File("es.sqlite"));
  ASSERT_TRUE(wiki.ok() && es.ok());
  std::string main_blob = SerializedBlob({{"h0", "first"}, {"h1", "second"}, {"h2", "third"}});
  {
    auto conn = db::Connect(*wiki);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE((*conn)
                    ->Exec("CREATE TABLE text (old_id INTEGER PRIMARY KEY, old_text BLOB, "
                           "old_flags BLOB)")
                    .ok());
    auto st = (*conn)->Prepare("INSERT INTO text VALUES (?, ?, ?)");
    ASSERT_TRUE(st.ok());
    std::string twice = PhpStr(main_blob);  // serialized twice (an old bug)
    std::string gz = Deflate(main_blob);
    for (auto [id, text, flags] : std::vector<std::tuple<int64_t, std::string, std::string>>{
             {10, main_blob, "object,utf-8"},
             {20, "DB://c1/1", "object,utf-8,external"},
             {30, twice, "object,utf-8"},
             {40, gz, "utf-8,gzip,object"},
             {50, "plain", "utf-8"}}) {
      db::Value v[] = {id, text, flags};
      ASSERT_TRUE((*st)->Bind(v).ok());
      ASSERT_TRUE((*st)->Execute().ok());
    }
    auto ec = db::Connect(*es);
    ASSERT_TRUE(ec.ok());
    ASSERT_TRUE(
        (*ec)->Exec("CREATE TABLE blobs (blob_id INTEGER PRIMARY KEY, blob_text BLOB)").ok());
    auto ins = (*ec)->Prepare("INSERT INTO blobs VALUES (?, ?)");
    ASSERT_TRUE(ins.ok());
    db::Value v[] = {int64_t{1}, main_blob};
    ASSERT_TRUE((*ins)->Bind(v).ok());
    ASSERT_TRUE((*ins)->Execute().ok());
  }
  std::map<std::string, db::DbSpec> clusters{{"c1", *es}};
  ExternalStore store(clusters);
  store.SetWikiDatabase(*wiki);
  std::string out;
  // The main row itself: its default item.
  ASSERT_TRUE(DecodeTextRow("object,utf-8", main_blob, &store, &out).ok());
  EXPECT_EQ(out, "first");
  // Stubs, the id an int or a string, the main row local, external,
  // serialized twice, gzip'd.
  for (std::string_view id : {"s:2:\"10\";", "i:10;", "i:20;", "i:30;", "i:40;"}) {
    Status st = DecodeTextRow("object,utf-8", SerializedStub("h2", id), &store, &out);
    ASSERT_TRUE(st.ok()) << id << ": " << st.ToString();
    EXPECT_EQ(out, "third") << id;
    st = DecodeTextRow("object,utf-8", SerializedStub("h1", id), &store, &out);
    ASSERT_TRUE(st.ok()) << id << ": " << st.ToString();
    EXPECT_EQ(out, "second") << id;
  }
  // What MediaWiki cannot read either: reported.
  Status st = DecodeTextRow("object,utf-8", SerializedStub("h9", "i:10;"), &store, &out);
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("text row 10"), std::string::npos) << st.ToString();
  st = DecodeTextRow("object,utf-8", SerializedStub("h1", "i:99;"), &store, &out);
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("no text row 99"), std::string::npos) << st.ToString();
  st = DecodeTextRow("object,utf-8", SerializedStub("h1", "i:50;"), &store, &out);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();  // the row is not an object row
  EXPECT_TRUE(DecodeTextRow("object,utf-8", "garbage", &store, &out).IsCorruption());
  EXPECT_TRUE(
      DecodeTextRow("object,utf-8", "O:18:\"HistoryBlobCurStub\":0:{}", &store, &out).code() ==
      Status::Code::kNotSupported);
  // Without the wiki database: reported, not guessed.
  ExternalStore bare({});
  st = DecodeTextRow("object,utf-8", SerializedStub("h1", "i:10;"), &bare, &out);
  EXPECT_TRUE(st.code() == Status::Code::kNotSupported) << st.ToString();
  // The default item works without any database.
  ASSERT_TRUE(DecodeTextRow("object,utf-8", main_blob, nullptr, &out).ok());
  EXPECT_EQ(out, "first");
}

}  // namespace
}  // namespace dw::mw
