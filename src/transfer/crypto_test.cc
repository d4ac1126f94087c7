#include "transfer/crypto.h"

#include <gtest/gtest.h>

#include "transfer/digest.h"

namespace dw::transfer {
namespace {

TEST(CryptoTest, SealOpenRoundTripAndTamperDetection) {
  FrameCipher c(DataKey(RandomBytes(kKeySize)));
  auto sealed = c.Seal(7, "hello frames");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 12 + kTagSize);
  auto opened = c.Open(7, *sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "hello frames");
  // Wrong sequence number (replayed or reordered frame).
  EXPECT_TRUE(c.Open(8, *sealed).status().IsCorruption());
  // Every single flipped bit is detected.
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string t = *sealed;
    t[i] ^= 1;
    EXPECT_TRUE(c.Open(7, t).status().IsCorruption()) << "byte " << i;
  }
  // Another key.
  FrameCipher other(DataKey(RandomBytes(kKeySize)));
  EXPECT_FALSE(other.Open(7, *sealed).ok());
}

TEST(CryptoTest, SealToAndOpenInPlaceMatchSealAndOpen) {
  FrameCipher c(DataKey(RandomBytes(kKeySize)));
  std::string head = "head:", body(100000, 'x');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 31);
  const std::string_view parts[] = {head, "", body};
  std::string out(head.size() + body.size() + kTagSize, '\0');
  ASSERT_TRUE(c.SealTo(42, parts, out.data()).ok());
  auto sealed = c.Seal(42, head + body);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(out, *sealed);  // same bytes on the wire as the one-buffer path
  std::string in_place = out;
  ASSERT_TRUE(c.OpenInPlace(42, &in_place).ok());
  EXPECT_EQ(in_place, head + body);
  std::string tampered = out;
  tampered[7] ^= 0x40;
  EXPECT_TRUE(c.OpenInPlace(42, &tampered).IsCorruption());
  std::string wrong_seq = out;
  EXPECT_TRUE(c.OpenInPlace(43, &wrong_seq).IsCorruption());
  std::string short_frame = "short";
  EXPECT_TRUE(c.OpenInPlace(42, &short_frame).IsCorruption());
}

TEST(CryptoTest, HandshakeMacsBindKeyAndNonces) {
  std::string k = RandomBytes(kKeySize), nr = RandomBytes(32), ns = RandomBytes(32);
  EXPECT_EQ(ClientMac(k, nr, ns), ClientMac(k, nr, ns));
  EXPECT_NE(ClientMac(k, nr, ns), ServerMac(k, nr, ns));
  EXPECT_NE(ClientMac(k, nr, ns), ClientMac(k, ns, nr));
  EXPECT_NE(ClientMac(k, nr, ns), ClientMac(RandomBytes(kKeySize), nr, ns));
  EXPECT_NE(DataKey(k), BackKey(k, nr, ns));
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
  EXPECT_FALSE(SecretEquals("abc", "ab"));
}

TEST(CryptoTest, Hex) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  auto d = HexDecode("00ff10");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(DigestTest, KnownValuesCheckpointsAndZeros) {
  auto sha = Digester::New(DigestAlgo::kSha256);
  sha->Update("abc");
  EXPECT_EQ(HexEncode(sha->Digest()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Digest() does not end the stream.
  sha->Update("def");
  auto sha2 = Digester::New(DigestAlgo::kSha256);
  sha2->Update("abcdef");
  EXPECT_EQ(sha->Digest(), sha2->Digest());
  auto x1 = Digester::New(DigestAlgo::kXxh3);
  auto x2 = Digester::New(DigestAlgo::kXxh3);
  x1->Zeros(200000);
  x2->Update(std::string(200000, '\0'));
  EXPECT_EQ(x1->Digest().size(), 16u);
  EXPECT_EQ(x1->Digest(), x2->Digest());
  x2->Update("x");
  EXPECT_NE(x1->Digest(), x2->Digest());
}

}  // namespace
}  // namespace dw::transfer
