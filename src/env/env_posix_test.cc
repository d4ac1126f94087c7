#include <gtest/gtest.h>
#include <stdlib.h>

#include "env/env.h"

namespace dw {
namespace {

TEST(PosixEnvTest, ReadLinkGivesTheStoredTarget) {
  char tmpl[] = "/tmp/dw-env-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  Env* env = Env::Default();
  const std::string link = dir + "/link", file = dir + "/file";
  ASSERT_TRUE(WriteFileAtomic(env, file, "x").ok());
  // A relative target, longer than the first buffer, returned as stored.
  std::string target = "../" + std::string(300, 'a') + "/20261201/file";
  ASSERT_TRUE(env->CreateSymlink(target, link).ok());
  auto r = env->ReadLink(link);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, target);
  EXPECT_TRUE(env->FileExists(link));  // dangling, but FileExists does not follow links
  EXPECT_TRUE(env->ReadLink(file).status().IsInvalidArgument());
  EXPECT_TRUE(env->ReadLink(dir + "/missing").status().IsNotFound());
  ASSERT_TRUE(env->RemoveTree(dir).ok());
}

}  // namespace
}  // namespace dw
