#include "stream/verify.h"

#include <gtest/gtest.h>

#include "stream/file_sink.h"
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

// Output::CheckWritten: the cheap check a dump run makes before publishing.
TEST(CheckWritten, CompleteFilesPassWithTheirSizeAndTail) {
  test::TempDir dir;
  std::string in = test::XmlLike(2'000'000) + "</mediawiki>\n";
  for (const char* ext : {".gz", ".bz2", ".zst", ""}) {
    OutputOptions o;
    o.compress.threads = 2;
    auto out = OpenOutput(Env::Default(), dir.File(std::string("a.xml") + ext), o);
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->sink()->Append(in).ok());
    ASSERT_TRUE((*out)->sink()->Close().ok());
    VerifyResult r;
    Status s = (*out)->CheckWritten(&r, 13);
    ASSERT_TRUE(s.ok()) << ext << ": " << s.ToString();
    EXPECT_EQ(r.decompressed_bytes, in.size()) << ext;
    EXPECT_EQ(r.tail, "</mediawiki>\n") << ext;
    ASSERT_TRUE((*out)->Publish().ok());
  }
}

// Damage done to the file after the compressor wrote it is caught: a short file
// (lost writes), a flipped byte in the last unit, a file that is not the format.
TEST(CheckWritten, DamagedTemporaryFileFails) {
  test::TempDir dir;
  std::string in = test::XmlLike(2'000'000) + "</mediawiki>\n";
  Env* env = Env::Default();
  for (const char* ext : {".gz", ".bz2"}) {
    for (int damage = 0; damage < 3; ++damage) {
      std::string path = dir.File(std::string("d.xml") + ext);
      auto out = OpenOutput(env, path, {});
      ASSERT_TRUE(out.ok());
      ASSERT_TRUE((*out)->sink()->Append(in).ok());
      ASSERT_TRUE((*out)->sink()->Close().ok());
      std::string tmp = path + kInprogSuffix;
      std::string data = *ReadFileToString(env, tmp);
      if (damage == 0) data.resize(data.size() - 5);
      if (damage == 1) data[data.size() - 6] ^= 0x10;
      if (damage == 2) data[0] = 'x';
      ASSERT_TRUE(WriteFileAtomic(env, tmp, data).ok());
      Status s = (*out)->CheckWritten(nullptr, 0);
      EXPECT_TRUE(s.IsCorruption()) << ext << " damage " << damage << ": " << s.ToString();
      EXPECT_NE(s.ToString().find(tmp), std::string::npos) << s.ToString();
      (*out)->Abandon();
      EXPECT_FALSE(env->FileExists(path));
    }
  }
}

// Parts joined by byte copy: checked as the format of the name from the last unit.
TEST(CheckWritten, JoinedFileIsCheckedFromItsLastUnit) {
  test::TempDir dir;
  Env* env = Env::Default();
  std::string body, footer = "</mediawiki>\n";
  {
    std::string a, b;
    StringSink sa(&a), sb(&b);
    Bzip2Sink ca(&sa, 9, 1), cb(&sb, 9, 1);
    ASSERT_TRUE(ca.Append(test::XmlLike(100'000)).ok() && ca.Close().ok());
    ASSERT_TRUE(cb.Append(footer).ok() && cb.Close().ok());
    body = a;
    footer = b;
  }
  auto out = OpenOutput(env, "file:" + dir.File("j.xml.bz2"), {});
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->sink()->Append(body + footer).ok());
  ASSERT_TRUE((*out)->sink()->Close().ok());
  VerifyResult r;
  Status s = (*out)->CheckWritten(&r, 64, body.size());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.tail, "</mediawiki>\n");
  // A wrong offset (inside a unit) is not a complete stream.
  EXPECT_TRUE((*out)->CheckWritten(&r, 64, body.size() + 3).IsCorruption());
}

}  // namespace
}  // namespace dw::stream
