#include "mw/schema.h"

#include <gtest/gtest.h>

#include <string>

#include <unistd.h>

namespace dw::mw {
namespace {

TEST(SchemaTest, ListsTheTablesOfMediaWiki139) {
  auto tables = SchemaTables();
  EXPECT_EQ(tables.size(), 58u);
  for (const char* t : {"page", "revision", "revision_comment_temp", "comment", "actor", "user",
                        "slots", "content", "slot_roles", "content_models", "text", "redirect",
                        "ip_changes", "logging", "site_stats", "interwiki", "archive"}) {
    EXPECT_TRUE(IsSchemaTable(t)) << t;
  }
  EXPECT_FALSE(IsSchemaTable("cur"));
}

TEST(SchemaTest, MariaDbDefinitionWithPrefixAndOptions) {
  auto sql = CreateTableSql(db::Backend::kMariaDB, "actor", "mw_");
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql,
            "CREATE TABLE mw_actor (\n"
            "  actor_id BIGINT UNSIGNED AUTO_INCREMENT NOT NULL,\n"
            "  actor_user INT UNSIGNED DEFAULT NULL,\n"
            "  actor_name VARBINARY(255) NOT NULL,\n"
            "  UNIQUE INDEX actor_user (actor_user),\n"
            "  UNIQUE INDEX actor_name (actor_name),\n"
            "  PRIMARY KEY(actor_id)\n"
            ") ENGINE=InnoDB, DEFAULT CHARSET=binary;");
}

TEST(SchemaTest, SqliteDefinitionPrefixesIndexNames) {
  auto sql = CreateTableSql(db::Backend::kSqlite, "comment", "mw_");
  ASSERT_TRUE(sql.ok());
  EXPECT_NE(sql->find("CREATE TABLE mw_comment ("), std::string::npos) << *sql;
  EXPECT_NE(sql->find("comment_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"), std::string::npos);
  EXPECT_NE(sql->find("CREATE INDEX mw_comment_hash ON mw_comment (comment_hash);"),
            std::string::npos)
      << *sql;
  auto plain = CreateTableSql(db::Backend::kSqlite, "comment", "");
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(plain->find("CREATE INDEX comment_hash ON comment (comment_hash);"), std::string::npos);
  EXPECT_EQ(plain->find("/*"), std::string::npos);
}

TEST(SchemaTest, Errors) {
  auto missing = CreateTableSql(db::Backend::kSqlite, "nonesuch", "");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("nonesuch"), std::string::npos);
  auto bad = CreateTableSql(db::Backend::kMariaDB, "page", "x`; DROP");
  EXPECT_TRUE(bad.status().IsInvalidArgument());
}

class SchemaSqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-schema-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  std::string dir_;
};

TEST_F(SchemaSqliteTest, CreatesEveryTableAndTheInstallRows) {
  db::DbSpec spec;
  spec.backend = db::Backend::kSqlite;
  spec.path = dir_ + "/w.sqlite";
  spec.prefix = "mw_";
  auto conn = db::Connect(spec);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto has = HasSchema(**conn);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  ASSERT_TRUE(CreateSchema(**conn).ok());
  for (std::string_view t : SchemaTables()) {
    auto e = (*conn)->TableExists(t);
    ASSERT_TRUE(e.ok());
    EXPECT_TRUE(*e) << t;
  }
  auto c = (*conn)->Query((*conn)->Sql("SELECT role_id, role_name FROM {slot_roles}"));
  ASSERT_TRUE(c.ok());
  auto more = (*c)->Next();
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ((*c)->row().Int(0), 1);
  EXPECT_EQ((*c)->row().Bytes(1), "main");
  c->reset();
  // A second creation must not touch the existing tables.
  Status again = CreateSchema(**conn);
  EXPECT_TRUE(again.IsAlreadyExists()) << again.ToString();
  EXPECT_NE(again.message().find("mw_"), std::string::npos);
}

}  // namespace
}  // namespace dw::mw
