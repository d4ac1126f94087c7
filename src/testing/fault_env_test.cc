#include "testing/fault_env.h"

#include <gtest/gtest.h>

#include "stream/test_util.h"

namespace dw::testing {
namespace {

TEST(FaultEnv, WriteLimitFailsWithEnospcAfterWritingWhatFits) {
  stream::test::TempDir dir;
  FaultEnv env(Env::Default());
  env.SetWriteLimit(10);
  auto f = env.NewWritableFile(dir.File("a"), OpenMode::kTruncate);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->Append("123456").ok());
  Status s = (*f)->Append("789012");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.ToString().find("No space left on device"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find(dir.File("a")), std::string::npos) << s.ToString();
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(*ReadFileToString(Env::Default(), dir.File("a")), "1234567890");
}

TEST(FaultEnv, FailuresAndCounts) {
  stream::test::TempDir dir;
  FaultEnv env(Env::Default());
  ASSERT_TRUE(WriteFileAtomic(&env, dir.File("x"), "data").ok());
  EXPECT_EQ(env.counts().files_created.load(), 1u);
  EXPECT_EQ(env.counts().renames.load(), 1u);
  EXPECT_EQ(env.counts().syncs.load(), 1u);
  EXPECT_EQ(env.counts().dir_syncs.load(), 1u);
  EXPECT_EQ(env.counts().bytes_written.load(), 4u);
  env.FailRenames(true);
  EXPECT_TRUE(env.RenameFile(dir.File("x"), dir.File("y"), false).IsIOError());
  EXPECT_TRUE(Env::Default()->FileExists(dir.File("x")));
  env.FailSyncs(true);
  EXPECT_TRUE(env.SyncDir(dir.path()).IsIOError());
  env.FailCreates(true);
  auto f = env.NewWritableFile(dir.File("z"), OpenMode::kTruncate);
  EXPECT_FALSE(f.ok());
  EXPECT_FALSE(Env::Default()->FileExists(dir.File("z")));
}

}  // namespace
}  // namespace dw::testing
