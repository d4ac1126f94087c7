#include "mw/external_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace dw::mw
