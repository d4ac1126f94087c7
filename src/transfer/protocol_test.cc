#include "transfer/protocol.h"

#include <gtest/gtest.h>

namespace dw::transfer {
namespace {

Entry MakeEntry(EntryType t, const std::string& path, uint32_t mode) {
  Entry e;
  e.type = t;
  e.path = path;
  e.mode = mode;
  return e;
}

template <typename T>
T RoundTrip(const T& in) {
  std::string enc = EncodeFrame(in);
  auto dec = DecodeFrame(enc);
  EXPECT_TRUE(dec.ok()) << dec.status().ToString();
  EXPECT_TRUE(std::holds_alternative<T>(*dec));
  return std::get<T>(*dec);
}

TEST(ProtocolTest, EntryRoundTrip) {
  Entry e;
  e.type = EntryType::kSymlink;
  e.path = "root/a/b";
  e.mode = 0755;
  e.uid = 1000;
  e.gid = 4294967295u;
  e.mtime_ns = 981173106123456789;
  e.size = 1ull << 40;
  e.link_target = "../x";
  e.start = 12;
  e.checkpoints = {{12, std::string(16, 'd')}, {99, "zz"}};
  Entry out = RoundTrip(e);
  EXPECT_EQ(out.type, e.type);
  EXPECT_EQ(out.path, e.path);
  EXPECT_EQ(out.mode, e.mode);
  EXPECT_EQ(out.uid, e.uid);
  EXPECT_EQ(out.gid, e.gid);
  EXPECT_EQ(out.mtime_ns, e.mtime_ns);
  EXPECT_EQ(out.size, e.size);
  EXPECT_EQ(out.link_target, e.link_target);
  EXPECT_EQ(out.start, 12u);
  ASSERT_EQ(out.checkpoints.size(), 2u);
  EXPECT_EQ(out.checkpoints[1].offset, 99u);
  EXPECT_EQ(out.checkpoints[1].digest, "zz");
}

TEST(ProtocolTest, DataHeadIsTheFramePrefix) {
  Data d;
  d.offset = 1ull << 33;
  d.codec = Codec::kZstd;
  d.raw_len = 1 << 20;
  d.bytes = std::string(300, 'z');  // a two-byte length varint
  EXPECT_EQ(EncodeDataHead(d) + d.bytes, EncodeFrame(d));
  d.bytes.clear();
  EXPECT_EQ(EncodeDataHead(d), EncodeFrame(d));
}

TEST(ProtocolTest, DataHeaderResumeResultRoundTrip) {
  Data d;
  d.offset = 7;
  d.codec = Codec::kNone;
  d.raw_len = 3;
  d.bytes = "abc";
  EXPECT_EQ(RoundTrip(d).bytes, "abc");
  Header h;
  h.root = "tree";
  h.digest = DigestAlgo::kSha256;
  h.total_bytes = 5;
  h.entries = 6;
  Header ho = RoundTrip(h);
  EXPECT_EQ(ho.root, "tree");
  EXPECT_EQ(ho.digest, DigestAlgo::kSha256);
  EXPECT_EQ(ho.entries, 6u);
  ResumeState rs;
  rs.last = false;
  rs.files = {{"tree/a", 10, true, "dd"}};
  ResumeState rso = RoundTrip(rs);
  EXPECT_FALSE(rso.last);
  ASSERT_EQ(rso.files.size(), 1u);
  EXPECT_TRUE(rso.files[0].complete);
  EXPECT_EQ(RoundTrip(ResultFrame{false, "disk full"}).message, "disk full");
  EXPECT_EQ(RoundTrip(Hole{4, 8}).length, 8u);
  EXPECT_EQ(RoundTrip(End{2, 3}).bytes, 3u);
}

TEST(ProtocolTest, MalformedFramesAreCorruption) {
  EXPECT_TRUE(DecodeFrame("").status().IsCorruption());
  EXPECT_TRUE(DecodeFrame(std::string(1, '\x63')).status().IsCorruption());  // unknown type
  std::string enc = EncodeFrame(MakeEntry(EntryType::kFile, "r/x", 0644));
  // Every truncation fails cleanly, none crashes.
  for (size_t n = 1; n < enc.size(); ++n)
    EXPECT_FALSE(DecodeFrame(enc.substr(0, n)).ok()) << "prefix " << n;
  EXPECT_TRUE(DecodeFrame(enc + "x").status().IsCorruption());  // trailing bytes
  Data d;
  d.codec = Codec::kNone;
  d.raw_len = 10;  // but 3 bytes follow
  d.bytes = "abc";
  EXPECT_TRUE(DecodeFrame(EncodeFrame(d)).status().IsCorruption());
  Entry bad;
  bad.mode = 0170000;  // file type bits are not permission bits
  EXPECT_TRUE(DecodeFrame(EncodeFrame(bad)).status().IsCorruption());
}

TEST(ProtocolTest, HandshakeMessages) {
  Hello h{kProtocolVersion, std::string(kNonceSize, 'n')};
  std::string enc = EncodeHello(h);
  ASSERT_EQ(enc.size(), kHelloSize);
  auto back = DecodeHello(enc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->nonce, h.nonce);
  std::string bad = enc;
  bad[0] = 'X';
  EXPECT_TRUE(DecodeHello(bad).status().IsCorruption());
  std::string mac;
  auto p = DecodeProof(EncodeProof(h, std::string(kMacSize, 'm')), &mac);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(mac, std::string(kMacSize, 'm'));
  EXPECT_FALSE(DecodeProof(enc, &mac).ok());
}

TEST(ProtocolTest, StreamPathValidation) {
  EXPECT_TRUE(ValidateStreamPath("root", "root").ok());
  EXPECT_TRUE(ValidateStreamPath("root/a/b.c", "root").ok());
  EXPECT_TRUE(ValidateStreamPath("root/..a/b..", "root").ok());
  for (const char* bad : {"", "/root", "/etc/passwd", "root/../x", "root/./x", "root//x", "root/",
                          "../root", "other/x", "root/a/..", ".."}) {
    EXPECT_TRUE(ValidateStreamPath(bad, "root").IsCorruption()) << bad;
  }
  EXPECT_TRUE(ValidateStreamPath(std::string("root/a\0b", 8), "root").IsCorruption());
  EXPECT_TRUE(ValidateRootName("..").IsCorruption());
  EXPECT_TRUE(ValidateRootName("a/b").IsCorruption());
  EXPECT_TRUE(ValidateRootName("").IsCorruption());
  EXPECT_TRUE(ValidateRootName("db.tar.gz").ok());
}

}  // namespace
}  // namespace dw::transfer
