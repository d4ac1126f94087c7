#include "db/sqlite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "db/database.h"

namespace dw::db {
namespace {

TEST(DbUrlTest, Sqlite) {
  auto s = ParseDbUrl("sqlite:/srv/wiki.sqlite");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->backend, Backend::kSqlite);
  EXPECT_EQ(s->path, "/srv/wiki.sqlite");
  EXPECT_EQ(s->Describe(), "sqlite:/srv/wiki.sqlite");
}

TEST(DbUrlTest, MariaDbWithEverything) {
  auto s = ParseDbUrl("mariadb://wikiuser:p%40ss@db1:3307/aawiki?socket=/run/my.sock&prefix=mw_");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->backend, Backend::kMariaDB);
  EXPECT_EQ(s->user, "wikiuser");
  EXPECT_EQ(s->password, "p@ss");
  EXPECT_EQ(s->host, "db1");
  EXPECT_EQ(s->port, 3307);
  EXPECT_EQ(s->dbname, "aawiki");
  EXPECT_EQ(s->socket, "/run/my.sock");
  EXPECT_EQ(s->prefix, "mw_");
  EXPECT_EQ(s->Describe().find("p@ss"), std::string::npos);  // never the password
}

TEST(DbUrlTest, Errors) {
  EXPECT_FALSE(ParseDbUrl("postgres://x/y").ok());
  EXPECT_FALSE(ParseDbUrl("mariadb://user@host").ok());
  EXPECT_FALSE(ParseDbUrl("mariadb://user@host:99999/db").ok());
  EXPECT_FALSE(ParseDbUrl("mariadb://user@host/db?color=blue").ok());
  EXPECT_FALSE(ParseDbUrl("sqlite:").ok());
}

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-sqlite-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    spec_.path = dir_ + "/t.sqlite";
    spec_.prefix = "mw_";
    auto c = Connect(spec_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(*c);
  }
  void TearDown() override {
    conn_.reset();
    std::remove(spec_.path.c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
  DbSpec spec_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(SqliteTest, PrefixExpansion) {
  EXPECT_EQ(conn_->Sql("SELECT * FROM {page} JOIN {revision}"),
            "SELECT * FROM \"mw_page\" JOIN \"mw_revision\"");
  EXPECT_EQ(conn_->Sql("SELECT '{not a table}'"), "SELECT '{not a table}'");
}

TEST_F(SqliteTest, StreamsRowsAndBlobs) {
  ASSERT_TRUE(conn_->Exec(conn_->Sql("CREATE TABLE {t} (id INTEGER PRIMARY KEY, b BLOB)")).ok());
  auto ins = conn_->Prepare(conn_->Sql("INSERT INTO {t} (id, b) VALUES (?, ?)"));
  ASSERT_TRUE(ins.ok());
  std::string blob("a\0b", 3);
  for (int64_t i = 1; i <= 3; ++i) {
    Value v[] = {i, std::string_view(blob)};
    ASSERT_TRUE((*ins)->Bind(v).ok());
    auto n = (*ins)->Execute();
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1);
  }
  EXPECT_TRUE(*conn_->TableExists("t"));
  EXPECT_FALSE(*conn_->TableExists("nope"));
  ASSERT_TRUE(conn_->BeginSnapshot().ok());
  Value lo[] = {int64_t{2}};
  auto cur = conn_->Query(conn_->Sql("SELECT id, b, NULL FROM {t} WHERE id >= ? ORDER BY id"), lo);
  ASSERT_TRUE(cur.ok());
  int rows = 0;
  while (*(*cur)->Next()) {
    ++rows;
    EXPECT_EQ((*cur)->row().Bytes(1), blob);
    EXPECT_TRUE((*cur)->row().IsNull(2));
  }
  EXPECT_EQ(rows, 2);
  cur->reset();
  EXPECT_TRUE(conn_->Rollback().ok());
}

TEST(SqliteOpenTest, MissingFileReadOnlyNamesIt) {
  DbSpec spec;
  spec.path = "/nonexistent-dir/x.sqlite";
  spec.read_only = true;
  auto c = Connect(spec);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("sqlite:/nonexistent-dir/x.sqlite"), std::string::npos);
}

// Query() keeps prepared statements for the next query of the same SQL:
// results, bindings and errors are as with a fresh statement each time.
TEST_F(SqliteTest, RepeatedQueriesReuseTheirStatements) {
  ASSERT_TRUE(conn_
                  ->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT);"
                         "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
                  .ok());
  auto count_from = [&](int64_t k) {
    Value v = k;
    auto cur = conn_->Query("SELECT COUNT(*) FROM t WHERE k >= ?", std::span<const Value>(&v, 1));
    EXPECT_TRUE(cur.ok());
    EXPECT_TRUE(*(*cur)->Next());
    return (*cur)->row().Int(0);
  };
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(count_from(1), 3);
    EXPECT_EQ(count_from(3), 1);
  }
  // A cursor left half read: the next query of the same SQL starts afresh.
  {
    auto a = conn_->Query("SELECT v FROM t ORDER BY k");
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(*(*a)->Next());
    EXPECT_EQ((*a)->row().Bytes(0), "a");
  }
  {
    auto b = conn_->Query("SELECT v FROM t ORDER BY k");
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(*(*b)->Next());
    EXPECT_EQ((*b)->row().Bytes(0), "a");
    // The same SQL while that cursor is open: a statement of its own.
    auto c = conn_->Query("SELECT v FROM t ORDER BY k");
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(*(*c)->Next());
    EXPECT_EQ((*c)->row().Bytes(0), "a");
    ASSERT_TRUE(*(*b)->Next());
    EXPECT_EQ((*b)->row().Bytes(0), "b");
  }
  // More distinct queries than the cache holds.
  for (int i = 0; i < 40; ++i) {
    auto cur = conn_->Query("SELECT " + std::to_string(i) + " + COUNT(*) FROM t");
    ASSERT_TRUE(cur.ok());
    ASSERT_TRUE(*(*cur)->Next());
    EXPECT_EQ((*cur)->row().Int(0), i + 3);
  }
  EXPECT_EQ(count_from(2), 2);
  // A bad binding, then the same SQL bound right; a bad query is an error each time.
  Value two[] = {int64_t{1}, int64_t{2}};
  EXPECT_FALSE(conn_->Query("SELECT COUNT(*) FROM t WHERE k >= ?", two).ok());
  EXPECT_EQ(count_from(1), 3);
  EXPECT_FALSE(conn_->Query("SELECT nope FROM t").ok());
  EXPECT_FALSE(conn_->Query("SELECT nope FROM t").ok());
  // Kept statements do not lock the table.
  ASSERT_TRUE(conn_->Exec("DROP TABLE t").ok());
  EXPECT_FALSE(conn_->Query("SELECT COUNT(*) FROM t WHERE k >= ?", two).ok());
}

}  // namespace
}  // namespace dw::db
