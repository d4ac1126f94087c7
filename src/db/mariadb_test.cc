// Tests of the MariaDB backend against a real, private server started with
// tests/harness/mariadb.sh (skipped when mariadbd is not installed).
#include "db/mariadb.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "testing/testing.h"

namespace dw::db {
namespace {

std::string Shell(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

class MariaDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* src = std::getenv("DW_SOURCE_DIR");
    harness_ = std::string(src ? src : ".") + "/tests/harness/mariadb.sh";
    char tmpl[] = "/tmp/dw-mariadb-test.XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir_ = tmpl;
    int rc = 0;
    std::string out = Shell(harness_ + " start " + dir_ + " 2>&1", &rc);
    if (rc == 77) {
      skip_reason_ = "mariadbd not installed";
      return;
    }
    if (rc != 0) {
      skip_reason_ = "server did not start: " + out;
      failed_ = true;
      return;
    }
    Client(
        "CREATE DATABASE dwtest; CREATE USER 'dw'@'localhost' IDENTIFIED BY 'secret';"
        "GRANT ALL ON dwtest.* TO 'dw'@'localhost';");
    started_ = true;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) {
      int rc;
      Shell(harness_ + " stop " + dir_ + " 2>&1", &rc);
      Shell("rm -rf " + dir_, &rc);
    }
  }
  static std::string Client(const std::string& sql) {
    int rc;
    return Shell(harness_ + " client " + dir_ + " -N -e \"" + sql + "\" 2>&1", &rc);
  }
  void SetUp() override {
    if (failed_) FAIL() << skip_reason_;
    if (!started_) DW_SKIP_UNLESS_CI(skip_reason_);
  }
  static DbSpec Spec(const std::string& user = "dw", const std::string& password = "secret",
                     const std::string& db = "dwtest") {
    DbSpec s;
    s.backend = Backend::kMariaDB;
    s.socket = dir_ + "/mysqld.sock";
    s.user = user;
    s.password = password;
    s.dbname = db;
    return s;
  }

  static inline std::string harness_, dir_, skip_reason_;
  static inline bool started_ = false, failed_ = false;
};

TEST_F(MariaDbTest, ConnectErrorsNameTheDatabase) {
  auto bad_pw = ConnectMariaDb(Spec("dw", "wrong"));
  ASSERT_FALSE(bad_pw.ok());
  EXPECT_TRUE(bad_pw.status().IsInvalidArgument()) << bad_pw.status().ToString();
  EXPECT_NE(bad_pw.status().message().find("mariadb://dw@localhost/dwtest"), std::string::npos)
      << bad_pw.status().message();
  EXPECT_NE(bad_pw.status().message().find("Access denied"), std::string::npos);
  EXPECT_EQ(bad_pw.status().message().find("wrong"), std::string::npos) << "password leaked";

  auto no_db = ConnectMariaDb(Spec("root", "", "nosuchdb"));
  ASSERT_FALSE(no_db.ok());
  EXPECT_TRUE(no_db.status().IsNotFound()) << no_db.status().ToString();
  EXPECT_NE(no_db.status().message().find("nosuchdb"), std::string::npos);

  DbSpec gone = Spec();
  gone.socket = dir_ + "/no-such.sock";
  auto unreachable = ConnectMariaDb(gone);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_TRUE(unreachable.status().IsUnavailable()) << unreachable.status().ToString();
  EXPECT_EQ(unreachable.status().message().find('\n'), std::string::npos);
}

TEST_F(MariaDbTest, BinarySafeValuesParamsAndPreparedStatements) {
  auto c = ConnectMariaDb(Spec());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Connection& conn = **c;
  ASSERT_TRUE(conn.Exec("DROP TABLE IF EXISTS pfx_blobs;"
                        "CREATE TABLE pfx_blobs (id INT PRIMARY KEY AUTO_INCREMENT, "
                        "b VARBINARY(255), d DOUBLE, t VARCHAR(50) CHARACTER SET utf8mb4)")
                  .ok());
  auto ins = conn.Prepare("INSERT INTO pfx_blobs (b, d, t) VALUES (?, ?, ?)");
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  const std::string hostile("a\0'\"\\\r\n\x1a\xf0\xff\x80z?", 14);
  const std::string emoji = "\xf0\x9f\x98\x80 \xc3\xa9";
  Value row1[] = {std::string_view(hostile), 2.5, std::string_view(emoji)};
  ASSERT_TRUE((*ins)->Bind(row1).ok());
  auto n = (*ins)->Execute();
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(conn.LastInsertId(), 1);
  Value row2[] = {Null{}, Null{}, std::string_view("x")};
  ASSERT_TRUE((*ins)->Bind(row2).ok());
  ASSERT_TRUE((*ins)->Execute().ok());

  // A client-side parameter holding every hostile byte finds the row.
  Value p[] = {std::string_view(hostile)};
  auto cur = conn.Query("SELECT id, b, d, t, '?' FROM pfx_blobs WHERE b = ?", p);
  ASSERT_TRUE(cur.ok()) << cur.status().ToString();
  auto more = (*cur)->Next();
  ASSERT_TRUE(more.ok() && *more);
  const Row& r = (*cur)->row();
  EXPECT_EQ(r.Int(0), 1);
  EXPECT_EQ(r.Bytes(1), hostile);
  EXPECT_DOUBLE_EQ(r.Double(2), 2.5);
  EXPECT_EQ(r.Bytes(3), emoji);
  EXPECT_EQ(r.Bytes(4), "?");
  EXPECT_EQ((*cur)->ColumnNames()[1], "b");
  more = (*cur)->Next();
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  cur->reset();

  auto nulls = conn.Query("SELECT b, d FROM pfx_blobs WHERE id = ?", std::vector<Value>{2});
  ASSERT_TRUE(nulls.ok());
  ASSERT_TRUE(*(*nulls)->Next());
  EXPECT_TRUE((*nulls)->row().IsNull(0));
  EXPECT_TRUE((*nulls)->row().IsNull(1));
  EXPECT_EQ((*nulls)->row().Bytes(0), "");
  nulls->reset();

  DbSpec pfx = Spec();
  pfx.prefix = "pfx_";
  auto c2 = ConnectMariaDb(pfx);
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(*(*c2)->TableExists("blobs"));
  EXPECT_FALSE(*(*c2)->TableExists("nosuch"));

  auto bad = conn.Query("SELECT * FROM nosuch_table");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsNotFound()) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("nosuch_table"), std::string::npos);
  EXPECT_NE(conn.ServerVersion().find("MariaDB"), std::string::npos);
}

TEST_F(MariaDbTest, CursorStreamsLargeResults) {
  auto c = ConnectMariaDb(Spec());
  ASSERT_TRUE(c.ok());
  // 200k rows generated by the server; the cursor must see all of them in order.
  auto cur = (*c)->Query("SELECT seq, REPEAT('x', 100) FROM seq_1_to_200000");
  ASSERT_TRUE(cur.ok()) << cur.status().ToString();
  int64_t count = 0, sum = 0;
  for (;;) {
    auto m = (*cur)->Next();
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    if (!*m) break;
    ++count;
    sum += (*cur)->row().Int(0);
    if ((*cur)->row().Int(0) != count) FAIL() << "out of order at " << count;
  }
  EXPECT_EQ(count, 200000);
  EXPECT_EQ(sum, int64_t{200000} * 200001 / 2);
}

TEST_F(MariaDbTest, SnapshotDoesNotSeeLaterCommits) {
  auto reader = ConnectMariaDb(Spec());
  auto writer = ConnectMariaDb(Spec());
  ASSERT_TRUE(reader.ok() && writer.ok());
  ASSERT_TRUE((*writer)
                  ->Exec("DROP TABLE IF EXISTS snap; CREATE TABLE snap (id INT PRIMARY KEY) "
                         "ENGINE=InnoDB; INSERT INTO snap VALUES (1)")
                  .ok());
  ASSERT_TRUE((*reader)->BeginSnapshot().ok());
  ASSERT_TRUE((*writer)->Begin().ok());
  ASSERT_TRUE((*writer)->Exec("INSERT INTO snap VALUES (2)").ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  auto cur = (*reader)->Query("SELECT COUNT(*) FROM snap");
  ASSERT_TRUE(cur.ok());
  ASSERT_TRUE(*(*cur)->Next());
  EXPECT_EQ((*cur)->row().Int(0), 1);
  cur->reset();
  // Read-only: writes inside the snapshot fail.
  EXPECT_FALSE((*reader)->Exec("INSERT INTO snap VALUES (3)").ok());
  ASSERT_TRUE((*reader)->Commit().ok());
  cur = (*reader)->Query("SELECT COUNT(*) FROM snap");
  ASSERT_TRUE(cur.ok());
  ASSERT_TRUE(*(*cur)->Next());
  EXPECT_EQ((*cur)->row().Int(0), 2);
}

}  // namespace
}  // namespace dw::db
