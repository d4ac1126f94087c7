#include "stream/hash.h"

#include <gtest/gtest.h>

#include "stream/file_sink.h"

namespace dw::stream {
namespace {

TEST(Hasher, KnownVectors) {
  Hasher h(kMd5 | kSha1 | kSha256 | kXxh128);
  Digests empty = h.Finish();
  EXPECT_EQ(empty.md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(empty.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(empty.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(empty.xxh128, "99aa06d3014798d86001c324468d497f");
  h.Update("ab");
  h.Update("c");
  Digests abc = h.Finish();
  EXPECT_EQ(abc.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(abc.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(abc.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(abc.Get(kMd5), abc.md5);
}

TEST(Hasher, OnlyAskedDigests) {
  Hasher h(kSha1);
  h.Update("x");
  Digests d = h.Finish();
  EXPECT_TRUE(d.md5.empty());
  EXPECT_EQ(d.sha1.size(), 40u);
}

TEST(HashSink, PassesThroughAndHashes) {
  std::string out;
  StringSink sink(&out);
  HashSink hs(&sink, kMd5);
  ASSERT_TRUE(hs.Append("a").ok());
  uint64_t off = 99;
  ASSERT_TRUE(hs.EndUnit([&](uint64_t o) { off = o; }).ok());
  EXPECT_EQ(off, 1u);
  ASSERT_TRUE(hs.Append("bc").ok());
  ASSERT_TRUE(hs.Close().ok());
  EXPECT_EQ(out, "abc");
  EXPECT_EQ(hs.digests().md5, "900150983cd24fb0d6963f7d28e17f72");
}

TEST(HashKinds, Parse) {
  auto r = ParseHashKinds("md5,sha1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, kMd5 | kSha1);
  auto bad = ParseHashKinds("md5,crc");
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().ToString().find("crc"), std::string::npos);
}

}  // namespace
}  // namespace dw::stream
