// Our compressed output checked by the real tools: bzip2, lbzip2, Python's bz2,
// gzip, pigz, zstd. A tool that is not installed skips its check.
#include <gtest/gtest.h>

#include <cstdlib>

#include "stream/output.h"
#include "stream/test_util.h"
#include "testing/testing.h"

namespace dw::stream {
namespace {

bool Have(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

int Shell(const std::string& cmd) { return std::system(cmd.c_str()); }

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = test::XmlLike(1'600'000);
    plain_ = dir_.File("in.xml");
    ASSERT_TRUE(WriteFileAtomic(Env::Default(), plain_, in_).ok());
  }
  // Writes in_ as two units (a parts-style file) with our compressor.
  std::string Write(const std::string& name) {
    std::string path = dir_.File(name);
    OutputOptions o;
    o.compress.threads = 2;
    auto out = OpenOutput(Env::Default(), path, o);
    EXPECT_TRUE(out.ok());
    EXPECT_TRUE((*out)->sink()->Append(std::string_view(in_).substr(0, 1'234'567)).ok());
    EXPECT_TRUE((*out)->sink()->EndUnit(nullptr).ok());
    EXPECT_TRUE((*out)->sink()->Append(std::string_view(in_).substr(1'234'567)).ok());
    EXPECT_TRUE((*out)->Publish().ok());
    return path;
  }
  test::TempDir dir_;
  std::string in_, plain_;
};

TEST_F(ToolsTest, Bzip2) {
  std::string f = Write("a.xml.bz2");
  if (!Have("bzip2")) DW_SKIP_UNLESS_CI("bzip2 not installed");
  EXPECT_EQ(Shell("bzip2 -t " + f), 0);
  EXPECT_EQ(Shell("bzip2 -dc " + f + " | cmp -s - " + plain_), 0);
}

TEST_F(ToolsTest, Lbzip2) {
  std::string f = Write("a.xml.bz2");
  if (!Have("lbzip2")) DW_SKIP_UNLESS_CI("lbzip2 not installed");
  EXPECT_EQ(Shell("lbzip2 -n 2 -dc " + f + " | cmp -s - " + plain_), 0);
}

TEST_F(ToolsTest, PythonBz2) {
  std::string f = Write("a.xml.bz2");
  if (!Have("python3")) DW_SKIP_UNLESS_CI("python3 not installed");
  EXPECT_EQ(Shell("python3 -c 'import bz2,sys; sys.exit(bz2.open(sys.argv[1]).read() != "
                  "open(sys.argv[2],\"rb\").read())' " +
                  f + " " + plain_),
            0);
}

TEST_F(ToolsTest, Gzip) {
  std::string f = Write("a.xml.gz");
  if (!Have("gzip")) DW_SKIP_UNLESS_CI("gzip not installed");
  EXPECT_EQ(Shell("gzip -t " + f), 0);
  EXPECT_EQ(Shell("gzip -dc " + f + " | cmp -s - " + plain_), 0);
  if (Have("pigz")) {
    EXPECT_EQ(Shell("pigz -dc " + f + " | cmp -s - " + plain_), 0);
  }
}

TEST_F(ToolsTest, Zstd) {
  std::string f = Write("a.xml.zst");
  if (!Have("zstd")) DW_SKIP_UNLESS_CI("zstd not installed");
  EXPECT_EQ(Shell("zstd -q -t " + f), 0);
  EXPECT_EQ(Shell("zstd -q -dc " + f + " | cmp -s - " + plain_), 0);
}

TEST_F(ToolsTest, WeReadWhatTheToolsWrite) {
  struct {
    const char* tool;
    const char* cmd;
    const char* ext;
  } tools[] = {{"lbzip2", "lbzip2 -n 2 -c", ".bz2"},
               {"bzip2", "bzip2 -c", ".bz2"},
               {"pigz", "pigz -c", ".gz"},
               {"zstd", "zstd -q -T2 -c", ".zst"}};
  for (const auto& t : tools) {
    if (!Have(t.tool)) continue;
    std::string f = dir_.File(std::string("t-") + t.tool + t.ext);
    ASSERT_EQ(Shell(std::string(t.cmd) + " " + plain_ + " > " + f), 0);
    auto src = OpenInput(Env::Default(), f);
    ASSERT_TRUE(src.ok());
    auto got = test::ReadAll(src->get());
    ASSERT_TRUE(got.ok()) << t.tool << ": " << got.status().ToString();
    EXPECT_TRUE(*got == in_) << t.tool;
  }
}

}  // namespace
}  // namespace dw::stream
