#include "base/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "base/result.h"

namespace dw {
namespace {

TEST(StatusTest, OkIsDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, FromErrnoNamesTheThing) {
  Status s = Status::FromErrno("open /nope", ENOENT);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "open /nope: No such file or directory");
  EXPECT_TRUE(Status::FromErrno("create /x", EEXIST).IsAlreadyExists());
  EXPECT_TRUE(Status::FromErrno("write /x", ENOSPC).IsIOError());
}

TEST(StatusTest, WithContextPrefixes) {
  EXPECT_EQ(Status::IOError("disk full").WithContext("write a.xml").message(),
            "write a.xml: disk full");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(StatusTest, MoreInterestingKeepsHigherCode) {
  Status a = Status::NotFound("a");
  Status b = Status::IOError("b");
  EXPECT_EQ(Status::MoreInteresting(a, b).message(), "b");
  EXPECT_EQ(Status::MoreInteresting(b, a).message(), "b");
  EXPECT_EQ(Status::MoreInteresting(Status::OK(), a).message(), "a");
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  DW_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_TRUE(Quarter(6).status().IsInvalidArgument());
}

}  // namespace
}  // namespace dw
