#include "run/lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

namespace dw::run {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/dw-lock-test-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(RunLock, ExclusiveWithOwnerInMessageAndReleased) {
  std::string dir = TempDir();
  Env* env = Env::Default();
  std::string path = dir + "/aawiki/lock_20261201";
  RunLock::Options o;
  auto a = RunLock::Acquire(env, path, o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto text = ReadFileToString(env, path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, RunLock::HostName() + " " + std::to_string(getpid()));

  auto b = RunLock::Acquire(env, path, o);
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(b.status().IsAlreadyExists());
  EXPECT_NE(b.status().message().find(path + ": locked by " + RunLock::HostName() + " pid " +
                                      std::to_string(getpid())),
            std::string::npos)
      << b.status().message();

  ASSERT_TRUE((*a)->Release().ok());
  EXPECT_FALSE(env->FileExists(path));
  auto c = RunLock::Acquire(env, path, o);
  EXPECT_TRUE(c.ok());
  c->reset();
  EXPECT_FALSE(env->FileExists(path));
  (void)env->RemoveTree(dir);
}

TEST(RunLock, StaleLockOfDeadPidIsBroken) {
  std::string dir = TempDir();
  Env* env = Env::Default();
  std::string path = dir + "/lock_20261201";
  // A pid that cannot be running: above pid_max.
  ASSERT_TRUE(WriteFileAtomic(env, path, RunLock::HostName() + " 99999999").ok());
  RunLock::Options o;
  o.break_stale = false;
  auto refused = RunLock::Acquire(env, path, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("stale"), std::string::npos);
  o.break_stale = true;
  auto taken = RunLock::Acquire(env, path, o);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  taken->reset();
  (void)env->RemoveTree(dir);
}

TEST(RunLock, LiveLockOnOtherHostIsNotStaleUntilOld) {
  std::string dir = TempDir();
  Env* env = Env::Default();
  std::string path = dir + "/lock_20261201";
  ASSERT_TRUE(WriteFileAtomic(env, path, "snap1001.example 4242").ok());
  RunLock::Options o;
  auto refused = RunLock::Acquire(env, path, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("locked by snap1001.example pid 4242"),
            std::string::npos);
  o.stale_seconds = -1;  // everything is stale
  auto taken = RunLock::Acquire(env, path, o);
  EXPECT_TRUE(taken.ok());
  taken->reset();
  (void)env->RemoveTree(dir);
}

TEST(RunLock, HeartbeatRefreshesMtime) {
  std::string dir = TempDir();
  Env* env = Env::Default();
  std::string path = dir + "/lock_x";
  RunLock::Options o;
  o.heartbeat_seconds = 1;
  auto a = RunLock::Acquire(env, path, o);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(0, system(("touch -d '2000-01-01' " + path).c_str()));
  auto before = ReadLock(env, path);
  EXPECT_GT(before->age_seconds, 1000);
  sleep(2);
  auto after = ReadLock(env, path);
  ASSERT_TRUE(after.ok());
  EXPECT_LT(after->age_seconds, 5);
  a->reset();
  (void)env->RemoveTree(dir);
}

}  // namespace
}  // namespace dw::run
