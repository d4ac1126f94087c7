#include "stream/verify.h"

#include <gtest/gtest.h>

#include "stream/output.h"
#include "stream/test_util.h"

namespace dw::stream {
namespace {

std::string WriteOut(const test::TempDir& dir, const std::string& name, std::string_view in) {
  std::string path = dir.File(name);
  OutputOptions o;
  o.compress.threads = 2;
  auto out = OpenOutput(Env::Default(), path, o);
  EXPECT_TRUE(out.ok());
  EXPECT_TRUE((*out)->sink()->Append(in).ok());
  EXPECT_TRUE((*out)->Publish().ok());
  return path;
}

TEST(VerifyCompressed, CompleteFilesPassAndReportSizeAndTail) {
  test::TempDir dir;
  std::string in = test::XmlLike(1'000'000) + "</mediawiki>\n";
  for (const char* ext : {".gz", ".bz2", ".zst", ""}) {
    std::string path = WriteOut(dir, std::string("a.xml") + ext, in);
    VerifyResult r;
    Status s = VerifyCompressed(Env::Default(), path, &r, 13);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(r.decompressed_bytes, in.size());
    EXPECT_EQ(r.tail, "</mediawiki>\n");
    EXPECT_EQ(r.compression, CompressionFromPath(path));
  }
}

TEST(VerifyCompressed, TruncatedOrEmptyOrWrongFormatFails) {
  test::TempDir dir;
  std::string in = test::XmlLike(500'000);
  for (const char* ext : {".gz", ".bz2", ".zst"}) {
    std::string path = WriteOut(dir, std::string("a.xml") + ext, in);
    std::string data = *ReadFileToString(Env::Default(), path);
    ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, data.substr(0, data.size() - 5)).ok());
    Status s = VerifyCompressed(Env::Default(), path);
    EXPECT_TRUE(s.IsCorruption()) << ext << ": " << s.ToString();
    EXPECT_NE(s.ToString().find(path), std::string::npos) << s.ToString();
    ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, "").ok());
    s = VerifyCompressed(Env::Default(), path);
    EXPECT_TRUE(s.IsCorruption()) << ext << ": empty file: " << s.ToString();
    ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, "<mediawiki>").ok());
    EXPECT_TRUE(VerifyCompressed(Env::Default(), path).IsCorruption()) << ext << ": plain";
  }
}

TEST(VerifyCompressed, MissingFileIsNotFound) {
  EXPECT_TRUE(VerifyCompressed(Env::Default(), "/nonexistent/x.bz2").IsNotFound());
}

}  // namespace
}  // namespace dw::stream
