#include "transfer/manifest.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/fault_env.h"
#include "transfer/crypto.h"
#include "transfer/digest.h"

namespace dw::transfer {
namespace {

using nlohmann::json;

class TransferRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-manifest-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::vector<std::string> Names() {
    std::vector<std::string> v;
    for (auto& e : std::filesystem::directory_iterator(dir_ + "/logs"))
      v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
  std::string dir_;
};

ManifestFile File(const std::string& path, const std::string& content) {
  auto d = Digester::New(DigestAlgo::kSha256);
  d->Update(content);
  return {path, content.size(), d->Digest()};
}

TEST(ChecksumLineTest, Sha256sumFormat) {
  EXPECT_EQ(ChecksumLine(File("db/a b.ibd", "")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  db/a b.ibd\n");
  // GNU escaping: a leading backslash, then \\ and \n in the name.
  EXPECT_EQ(ChecksumLine({"x\\y\nz", 0, std::string(2, '\x01')}), "\\0101  x\\\\y\\nz\n");
}

TEST_F(TransferRecordTest, WritesLogAndManifestAtomically) {
  auto r = TransferRecord::Open(Env::Default(), dir_ + "/logs", "sha256");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TransferRecord& rec = **r;
  EXPECT_EQ(rec.checksum_path().substr(rec.checksum_path().size() - 7), ".sha256");
  rec.LogLine("first line");
  rec.LogLine("second line\n");
  ASSERT_TRUE(rec.BeginManifest({{"source", "h1:/srv/db"}, {"type", "file"}}, true).ok());
  ASSERT_TRUE(rec.AddFile(File("db/one", "1")).ok());
  ASSERT_TRUE(rec.AddFile(File("db/two", "22")).ok());
  // Nothing under the final names before the commit.
  EXPECT_FALSE(std::filesystem::exists(rec.checksum_path()));
  EXPECT_FALSE(std::filesystem::exists(rec.json_path()));
  ASSERT_TRUE(
      rec.CommitManifest({{"targets", json::array({{{"target", "h2:/x"}, {"ok", true}}})}}).ok());
  EXPECT_EQ(Slurp(rec.log_path()), "first line\nsecond line\n");
  EXPECT_EQ(Slurp(rec.checksum_path()),
            ChecksumLine(File("db/one", "1")) + ChecksumLine(File("db/two", "22")));
  json j = json::parse(Slurp(rec.json_path()));
  EXPECT_EQ(j["source"], "h1:/srv/db");
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][1]["path"], "db/two");
  EXPECT_EQ(j["files"][1]["size"], 2);
  EXPECT_EQ(j["files"][1]["digest"], HexEncode(File("", "22").digest));
  EXPECT_EQ(j["targets"][0]["target"], "h2:/x");
  EXPECT_EQ(Names().size(), 3u);  // .log, .sha256, .manifest.json: no temporaries left
}

TEST_F(TransferRecordTest, RestartAndAbandonLeaveNoManifest) {
  auto r = TransferRecord::Open(Env::Default(), dir_ + "/logs", "xxh3");
  ASSERT_TRUE(r.ok());
  TransferRecord& rec = **r;
  EXPECT_EQ(rec.checksum_path().substr(rec.checksum_path().size() - 7), ".xxh128");
  ASSERT_TRUE(rec.BeginManifest(json::object(), false).ok());
  ASSERT_TRUE(rec.AddFile(File("a", "x")).ok());
  // A second round starts over: the first round's files are dropped.
  ASSERT_TRUE(rec.BeginManifest(json::object(), false).ok());
  EXPECT_EQ(rec.manifest_files(), 0u);
  ASSERT_TRUE(rec.AddFile(File("b", "y")).ok());
  ASSERT_TRUE(rec.CommitManifest(json::object()).ok());
  json j = json::parse(Slurp(rec.json_path()));
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["path"], "b");
  EXPECT_FALSE(std::filesystem::exists(rec.checksum_path()));  // JSON only was asked for

  auto r2 = TransferRecord::Open(Env::Default(), dir_ + "/logs", "xxh3");
  ASSERT_TRUE(r2.ok());
  EXPECT_NE((*r2)->log_path(), rec.log_path());  // a second run never reuses a log
  ASSERT_TRUE((*r2)->BeginManifest(json::object(), true).ok());
  (*r2)->AbandonManifest();
  EXPECT_FALSE(std::filesystem::exists((*r2)->json_path()));
  for (const auto& n : Names()) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
}

TEST_F(TransferRecordTest, FailedRenameLeavesNothingUnderFinalNames) {
  testing::FaultEnv env(Env::Default());
  auto r = TransferRecord::Open(&env, dir_ + "/logs", "sha256");
  ASSERT_TRUE(r.ok());
  TransferRecord& rec = **r;
  ASSERT_TRUE(rec.BeginManifest(json::object(), true).ok());
  ASSERT_TRUE(rec.AddFile(File("a", "x")).ok());
  env.FailRenames(true);
  Status s = rec.CommitManifest(json::object());
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(std::filesystem::exists(rec.checksum_path()));
  EXPECT_FALSE(std::filesystem::exists(rec.json_path()));
  for (const auto& n : Names()) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
}

TEST_F(TransferRecordTest, DiskFullFailsTheManifestNotSilently) {
  testing::FaultEnv env(Env::Default());
  auto r = TransferRecord::Open(&env, dir_ + "/logs", "sha256");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->BeginManifest(json::object(), true).ok());
  env.SetWriteLimit(static_cast<int64_t>(env.counts().bytes_written) + 10);
  Status s;
  for (int i = 0; i < 100 && s.ok(); ++i) s = (*r)->AddFile(File("f" + std::to_string(i), "x"));
  if (s.ok()) s = (*r)->CommitManifest(json::object());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("No space"), std::string::npos) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists((*r)->json_path()));
}

TEST_F(TransferRecordTest, UnusableDirectoryIsAnError) {
  std::ofstream(dir_ + "/file") << "x";
  auto r = TransferRecord::Open(Env::Default(), dir_ + "/file/logs", "sha256");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace dw::transfer
