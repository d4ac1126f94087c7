#include "stream/output.h"

#include <gtest/gtest.h>

#include "stream/test_util.h"
#include "testing/fault_env.h"

namespace dw::stream {
namespace {

using test::XmlLike;

std::string Slurp(const std::string& path) {
  auto r = ReadFileToString(Env::Default(), path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

Result<std::string> DecodeFile(const std::string& path) {
  auto src = OpenInput(Env::Default(), path);
  if (!src.ok()) return src.status();
  return test::ReadAll(src->get());
}

TEST(OutputFile, WritesInprogThenPublishes) {
  test::TempDir dir;
  std::string path = dir.File("a.txt");
  auto f = OutputFile::Create(Env::Default(), path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("hello").ok());
  EXPECT_TRUE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_FALSE(Env::Default()->FileExists(path));
  ASSERT_TRUE((*f)->Publish(false).ok());
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_EQ(Slurp(path), "hello");
}

TEST(OutputFile, DestroyedWithoutPublishLeavesNothing) {
  test::TempDir dir;
  std::string path = dir.File("a.txt");
  {
    auto f = OutputFile::Create(Env::Default(), path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("partial").ok());
  }
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_FALSE(Env::Default()->FileExists(path));
}

TEST(OutputFile, ReplacesStaleInprogAndRefusesToOverwrite) {
  test::TempDir dir;
  std::string path = dir.File("a.txt");
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path + ".inprog", "stale stale stale").ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, "old").ok());
  auto f = OutputFile::Create(Env::Default(), path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("new").ok());
  Status s = (*f)->Publish(false);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_NE(s.ToString().find(path), std::string::npos);
  EXPECT_EQ(Slurp(path), "old");
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));

  auto g = OutputFile::Create(Env::Default(), path);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE((*g)->Append("new").ok());
  ASSERT_TRUE((*g)->Publish(true).ok());
  EXPECT_EQ(Slurp(path), "new");
}

TEST(OpenOutput, SpecsPickTheCompression) {
  test::TempDir dir;
  struct Case {
    std::string spec, path;
    Compression c;
  } cases[] = {
      {dir.File("a.xml"), dir.File("a.xml"), Compression::kNone},
      {dir.File("b.xml.gz"), dir.File("b.xml.gz"), Compression::kGzip},
      {dir.File("c.xml.bz2"), dir.File("c.xml.bz2"), Compression::kBzip2},
      {dir.File("d.xml.zst"), dir.File("d.xml.zst"), Compression::kZstd},
      {"bzip2:" + dir.File("e.out"), dir.File("e.out"), Compression::kBzip2},
      {"file:" + dir.File("f.gz"), dir.File("f.gz"), Compression::kNone},
  };
  std::string in = XmlLike(1'000'000);
  for (const auto& c : cases) {
    OutputOptions o;
    o.compress.threads = 2;
    o.digests = kMd5 | kSha1;
    auto out = OpenOutput(Env::Default(), c.spec, o);
    ASSERT_TRUE(out.ok()) << c.spec << ": " << out.status().ToString();
    EXPECT_EQ((*out)->path(), c.path);
    EXPECT_EQ((*out)->compression(), c.c) << c.spec;
    ASSERT_TRUE((*out)->sink()->Append(in).ok());
    ASSERT_TRUE((*out)->Publish().ok());
    std::string raw = Slurp(c.path);
    EXPECT_EQ((*out)->bytes_out(), raw.size());
    Hasher h(kMd5 | kSha1);
    h.Update(raw);
    Digests d = h.Finish();
    EXPECT_EQ((*out)->digests().md5, d.md5) << "digests are of the file's bytes";
    EXPECT_EQ((*out)->digests().sha1, d.sha1);
    auto dec = DecodeFile(c.path);
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, in);
    if (c.c != Compression::kNone) {
      EXPECT_LT(raw.size(), in.size() / 3) << c.spec;
    }
  }
}

TEST(OpenOutput, ExistingFileIsRefusedUpFront) {
  test::TempDir dir;
  std::string path = dir.File("x.xml.gz");
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, "keep me").ok());
  auto out = OpenOutput(Env::Default(), path, {});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsAlreadyExists());
  EXPECT_NE(out.status().ToString().find(path), std::string::npos);
  EXPECT_EQ(Slurp(path), "keep me");
}

TEST(OpenOutput, UnwritableDirectoryNamesThePath) {
  auto out = OpenOutput(Env::Default(), "/nonexistent-dir/x.xml", {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().ToString().find("/nonexistent-dir/x.xml"), std::string::npos);
}

TEST(OpenOutput, AbandonLeavesNothing) {
  test::TempDir dir;
  std::string path = dir.File("x.xml.bz2");
  auto out = OpenOutput(Env::Default(), path, {});
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->sink()->Append(XmlLike(2'000'000)).ok());
  (*out)->Abandon();
  EXPECT_FALSE(Env::Default()->FileExists(path));
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
}

class DiskFullTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DiskFullTest, DiskFullIsAnErrorAndLeavesNothing) {
  test::TempDir dir;
  testing::FaultEnv env(Env::Default());
  env.SetWriteLimit(10'000);
  std::string path = dir.File(std::string("x.xml") + GetParam());
  OutputOptions o;
  o.compress.threads = 2;
  auto out = OpenOutput(&env, path, o);
  ASSERT_TRUE(out.ok());
  std::string in = test::RandomBytes(3'000'000);
  Status s;
  for (size_t pos = 0; pos < in.size() && s.ok(); pos += 65536)
    s = (*out)->sink()->Append(std::string_view(in).substr(pos, 65536));
  if (s.ok()) s = (*out)->Publish();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("No space left"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find(path), std::string::npos) << s.ToString();
  out->reset();
  EXPECT_FALSE(Env::Default()->FileExists(path));
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_EQ(env.counts().renames.load(), 0u);
}

INSTANTIATE_TEST_SUITE_P(All, DiskFullTest, ::testing::Values("", ".gz", ".bz2", ".zst"));

TEST(OpenOutput, FailedRenameOrSyncLeavesNothing) {
  for (int which = 0; which < 2; ++which) {
    test::TempDir dir;
    testing::FaultEnv env(Env::Default());
    if (which == 0)
      env.FailRenames(true);
    else
      env.FailSyncs(true);
    std::string path = dir.File("x.xml.gz");
    auto out = OpenOutput(&env, path, {});
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->sink()->Append("data").ok());
    Status s = (*out)->Publish();
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_FALSE(Env::Default()->FileExists(path));
    EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  }
}

TEST(OpenOutput, UnitOffsetsMatchTheFile) {
  test::TempDir dir;
  std::string path = dir.File("m.xml.bz2");
  OutputOptions o;
  o.compress.threads = 2;
  auto out = OpenOutput(Env::Default(), path, o);
  ASSERT_TRUE(out.ok());
  std::vector<uint64_t> offsets;
  std::vector<std::string> units;
  for (int i = 0; i < 20; ++i) {
    units.push_back(XmlLike(50'000 + static_cast<size_t>(i) * 10'000, static_cast<uint32_t>(i)));
    ASSERT_TRUE((*out)->sink()->Append(units.back()).ok());
    ASSERT_TRUE((*out)->sink()->EndUnit([&](uint64_t off) { offsets.push_back(off); }).ok());
  }
  ASSERT_TRUE((*out)->Publish().ok());
  ASSERT_EQ(offsets.size(), units.size());
  std::string raw = Slurp(path);
  EXPECT_EQ(offsets.back(), raw.size());
  uint64_t prev = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    auto dec = test::Decode(std::string_view(raw).substr(prev, offsets[i] - prev));
    ASSERT_TRUE(dec.ok()) << i;
    EXPECT_EQ(*dec, units[i]) << i;
    prev = offsets[i];
  }
}

}  // namespace
}  // namespace dw::stream
