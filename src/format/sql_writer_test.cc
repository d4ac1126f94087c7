#include "format/sql_writer.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace dw::format {
namespace {

// A Row over fixed values (nullopt = NULL).
class FakeRow : public db::Row {
 public:
  explicit FakeRow(std::vector<std::optional<std::string>> v) : v_(std::move(v)) {}
  size_t size() const override { return v_.size(); }
  bool IsNull(size_t i) const override { return !v_[i]; }
  int64_t Int(size_t i) const override { return v_[i] ? std::stoll(*v_[i]) : 0; }
  double Double(size_t i) const override { return v_[i] ? std::stod(*v_[i]) : 0; }
  std::string_view Bytes(size_t i) const override {
    return v_[i] ? std::string_view(*v_[i]) : std::string_view();
  }

 private:
  std::vector<std::optional<std::string>> v_;
};

TEST(SqlWriterTest, EscapesLikeMysqlRealEscapeString) {
  std::string out;
  AppendSqlEscaped(std::string("a\0b'c\"d\\e\rf\ng\x1ah", 15), &out);
  EXPECT_EQ(out, "a\\0b\\'c\\\"d\\\\e\\rf\\ng\\Zh");
  out.clear();
  // Invalid UTF-8 and 4-byte UTF-8 pass through byte for byte; tabs too.
  const std::string raw = "\xf0\xff\x80\t\xf0\x9f\x98\x80\xc3\xa9";
  AppendSqlEscaped(raw, &out);
  EXPECT_EQ(out, raw);
}

TEST(SqlWriterTest, ColumnKinds) {
  for (const char* t : {"int", "bigint", "TINYINT", "double", "float", "decimal", "year"}) {
    EXPECT_EQ(SqlColumnForType(t), SqlColumn::kNumber) << t;
  }
  for (const char* t : {"varbinary", "blob", "binary", "timestamp", "enum", "intx", "text"}) {
    EXPECT_EQ(SqlColumnForType(t), SqlColumn::kString) << t;
  }
}

TEST(SqlWriterTest, RowValues) {
  SqlInsertFormatter f("t`x", {SqlColumn::kNumber, SqlColumn::kString, SqlColumn::kNumber,
                               SqlColumn::kString, SqlColumn::kNumber, SqlColumn::kNumber});
  std::string out;
  f.AddRow(FakeRow({"12", "it's", std::nullopt, "", "inf", "-nan"}), &out);
  f.AddRow(FakeRow({"-3", std::nullopt, "1.5e300", "x", "-0.5", "0"}), &out);
  f.Finish(&out);
  EXPECT_EQ(out,
            "INSERT INTO `t``x` VALUES\n"
            "(12,'it\\'s',NULL,'',NULL,NULL),\n"
            "(-3,NULL,1.5e300,'x',-0.5,0);\n");
  EXPECT_EQ(f.rows(), 2u);
  std::string again;
  f.Finish(&again);
  EXPECT_EQ(again, "") << "Finish twice closes nothing";
}

TEST(SqlWriterTest, SplitsStatementsLikeMariadbDump) {
  // mariadb-dump --net-buffer-length=4096 on 300 rows (id, 'x' * (id % 50))
  // starts statements at rows 1, 129 and 242 (checked against the real tool).
  SqlInsertFormatter f("big", {SqlColumn::kNumber, SqlColumn::kString}, 4096);
  std::string out;
  std::vector<int> starts;
  for (int i = 1; i <= 300; ++i) {
    size_t before = out.size();
    f.AddRow(FakeRow({std::to_string(i), std::string(i % 50, 'x')}), &out);
    if (out.compare(before, 7, "INSERT ") == 0 || out.compare(before, 9, ";\nINSERT ") == 0) {
      starts.push_back(i);
    }
  }
  f.Finish(&out);
  EXPECT_EQ(starts, (std::vector<int>{1, 129, 242}));
  // Every statement stays under the buffer size.
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find(";\n", pos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LT(end - pos, 4096u);
    pos = end + 2;
  }
}

TEST(SqlWriterTest, RowLongerThanBufferGetsItsOwnStatement) {
  SqlInsertFormatter f("t", {SqlColumn::kString}, 4096);
  std::string out;
  f.AddRow(FakeRow({"a"}), &out);
  f.AddRow(FakeRow({std::string(10000, 'b')}), &out);
  f.AddRow(FakeRow({"c"}), &out);
  f.Finish(&out);
  size_t n = 0;
  for (size_t p = out.find("INSERT INTO"); p != std::string::npos;
       p = out.find("INSERT INTO", p + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 3u);
}

TEST(SqlWriterTest, SectionsAndFooter) {
  std::string out;
  AppendSqlTableStructure("page", "CREATE TABLE `page` (\n  `page_id` int\n)", &out);
  EXPECT_NE(out.find("DROP TABLE IF EXISTS `page`;\n"), std::string::npos);
  EXPECT_NE(out.find("CREATE TABLE `page` (\n  `page_id` int\n);\n"), std::string::npos);
  out.clear();
  AppendSqlDataBegin("page", &out);
  AppendSqlDataEnd("page", &out);
  EXPECT_EQ(out,
            "\n--\n-- Dumping data for table `page`\n--\n\n"
            "/*!40000 ALTER TABLE `page` DISABLE KEYS */;\n"
            "/*!40000 ALTER TABLE `page` ENABLE KEYS */;\n");
  out.clear();
  AppendSqlFooter(1795331541, &out);  // 2026-11-22 07:12:21 UTC
  EXPECT_NE(out.find("-- Dump completed on 2026-11-22  7:12:21\n"), std::string::npos) << out;
  out.clear();
  AppendSqlHeader({"localhost", "wiki", "10.11.19-MariaDB"}, &out);
  EXPECT_NE(out.find("-- Host: localhost    Database: wiki\n"), std::string::npos);
  EXPECT_NE(out.find("/*!40101 SET NAMES utf8mb4 */;\n"), std::string::npos);
}

}  // namespace
}  // namespace dw::format
