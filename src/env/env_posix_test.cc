#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

namespace dw {
namespace {

TEST(PosixWritableFileTest, RangeSyncOnAFileKeepsItsBytes) {
  char tmpl[] = "/tmp/dw-env-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  Env* env = Env::Default();
  const std::string path = dir + "/f";
  auto f = env->NewWritableFile(path, OpenMode::kCreateExclusive);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  std::string data(3 << 20, 'x');
  for (size_t i = 0; i < data.size(); i += 4093) data[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE((*f)->Append(std::string_view(data).substr(0, 2 << 20)).ok());
  ASSERT_TRUE((*f)->Flush().ok());
  ASSERT_TRUE((*f)->RangeSync(0, 1 << 20, false).ok());
  ASSERT_TRUE((*f)->RangeSync(0, 1 << 20, true).ok());
  (*f)->DropCache(0, 1 << 20);
  ASSERT_TRUE((*f)->Append(std::string_view(data).substr(2 << 20)).ok());
  ASSERT_TRUE((*f)->RangeSync(1 << 20, 1 << 20, true).ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  // After Close(): an error naming the file, not a crash or a write to a stale fd.
  Status s = (*f)->RangeSync(0, 1, false);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find(path), std::string::npos);
  auto back = ReadFileToString(env, path);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == data);
  ASSERT_TRUE(env->RemoveTree(dir).ok());
}

// sync_file_range on a pipe or a character device fails with ESPIPE: RangeSync
// must not even try.
TEST(PosixWritableFileTest, RangeSyncIsANoOpOnPipesAndDevices) {
  char tmpl[] = "/tmp/dw-env-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  Env* env = Env::Default();
  const std::string fifo = dir + "/p";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int rfd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(rfd, 0);
  for (const std::string& path : {fifo, std::string("/dev/null")}) {
    auto f = env->NewWritableFile(path, OpenMode::kAppend);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->Append("abc").ok());
    ASSERT_TRUE((*f)->Flush().ok());
    Status s = (*f)->RangeSync(0, 3, false);
    EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
    s = (*f)->RangeSync(0, 3, true);
    EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
    (*f)->DropCache(0, 3);
    ASSERT_TRUE((*f)->Close().ok());
  }
  char buf[8];
  EXPECT_EQ(::read(rfd, buf, sizeof buf), 3);
  ::close(rfd);
  ASSERT_TRUE(env->RemoveTree(dir).ok());
}

}  // namespace
}  // namespace dw
