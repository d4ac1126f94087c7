// FrameReader over a socketpair: order, decompression, errors in stream order,
// forwarding, stopping a blocked reader; WriteAllV with many parts.
#include "transfer/frame_reader.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <zstd.h>

#include <thread>

#include "transfer/crypto.h"
#include "transfer/test_util.h"

namespace dw::transfer {
namespace {

using Pair = test::SocketPair;

Data Block(uint64_t i, bool compress) {
  Data d;
  d.offset = i << 16;
  std::string raw(65536, static_cast<char>('a' + i % 26));
  for (size_t k = 0; k < raw.size(); k += 97) raw[k] = static_cast<char>(i);
  d.raw_len = static_cast<uint32_t>(raw.size());
  if (compress) {
    d.bytes.resize(ZSTD_compressBound(raw.size()));
    d.bytes.resize(ZSTD_compress(d.bytes.data(), d.bytes.size(), raw.data(), raw.size(), 1));
    d.codec = Codec::kZstd;
  } else {
    d.bytes = raw;
  }
  return d;
}

TEST(FrameReaderTest, ManyFramesInOrderDecryptedAndDecompressed) {
  Pair p;
  std::string key = DataKey(RandomBytes(kKeySize));
  p.a->SetSendCipher(FrameCipher(key));
  p.b->SetRecvCipher(FrameCipher(key));
  constexpr uint64_t kN = 300;
  std::thread w([&] {
    for (uint64_t i = 0; i < kN; ++i) {
      Frame f = Block(i, i % 2 == 0);
      if (i % 7 == 3) f = Hole{i, i};
      ASSERT_TRUE(p.a->WriteFrame(f).ok());
    }
    ASSERT_TRUE(p.a->WriteFrame(End{kN, 0}).ok());
  });
  uint64_t forwarded = 0;
  p.b->SetForward([&](std::string_view len, std::string_view) {
    EXPECT_EQ(len.size(), 4u);
    ++forwarded;
  });
  {
    FrameReader r(p.b.get(), 3, 5);
    for (uint64_t i = 0; i < kN; ++i) {
      auto f = r.Next();
      ASSERT_TRUE(f.ok()) << f.status().ToString();
      if (i % 7 == 3) {
        ASSERT_TRUE(std::holds_alternative<Hole>(*f)) << i;
        EXPECT_EQ(std::get<Hole>(*f).offset, i);
        continue;
      }
      ASSERT_TRUE(std::holds_alternative<Data>(*f)) << i;
      const Data& d = std::get<Data>(*f);
      EXPECT_EQ(d.codec, Codec::kNone);
      EXPECT_EQ(d.offset, i << 16);
      EXPECT_EQ(d.bytes, Block(i, false).bytes) << i;
    }
    auto end = r.Next();
    ASSERT_TRUE(end.ok());
    EXPECT_TRUE(std::holds_alternative<End>(*end));
    w.join();
    // The writer is done but the connection stays open: the destructor must
    // still stop the reader blocked in recv().
  }
  EXPECT_EQ(forwarded, kN + 1);
  // The send side still works after the reader stopped (the verdict).
  EXPECT_TRUE(p.b->WriteFrame(ResultFrame{true, ""}).ok());
}

TEST(FrameReaderTest, TamperedFrameFailsInStreamOrder) {
  Pair p;
  std::string key = DataKey(RandomBytes(kKeySize));
  FrameCipher c(key);
  p.b->SetRecvCipher(FrameCipher(key));
  std::string wire;
  for (uint64_t i = 0; i < 10; ++i) {
    auto sealed = c.Seal(i, EncodeFrame(Hole{i, 1}));
    ASSERT_TRUE(sealed.ok());
    if (i == 6) (*sealed)[3] ^= 1;
    wire += WireFrame(*sealed);
  }
  ASSERT_TRUE(p.a->WriteWire(wire, 10).ok());
  FrameReader r(p.b.get(), 4, 8);
  for (uint64_t i = 0; i < 6; ++i) {
    auto f = r.Next();
    ASSERT_TRUE(f.ok()) << i;
    EXPECT_EQ(std::get<Hole>(*f).offset, i);
  }
  auto bad = r.Next();
  EXPECT_TRUE(bad.status().IsCorruption()) << bad.status().ToString();
}

TEST(FrameReaderTest, ConnectionClosedIsReportedAfterTheFramesBeforeIt) {
  Pair p;
  ASSERT_TRUE(p.a->WriteFrame(Hole{1, 2}).ok());
  ASSERT_TRUE(p.a->WriteWire(std::string("\0\0", 2), 0).ok());  // torn length prefix
  p.a->socket().Close();
  FrameReader r(p.b.get());
  auto f = r.Next();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(std::get<Hole>(*f).length, 2u);
  auto e = r.Next();
  EXPECT_TRUE(e.status().IsUnavailable()) << e.status().ToString();
  EXPECT_TRUE(r.Next().status().IsUnavailable());  // and stays so
}

TEST(FrameReaderTest, CorruptCompressedBlockIsCorruption) {
  Data d = Block(1, true);
  d.bytes[d.bytes.size() / 2] ^= 0x55;
  d.bytes.resize(d.bytes.size() - 3);
  EXPECT_TRUE(DecompressData(&d).IsCorruption());
  Data ok = Block(2, true);
  ASSERT_TRUE(DecompressData(&ok).ok());
  EXPECT_EQ(ok.bytes, Block(2, false).bytes);
  EXPECT_EQ(ok.codec, Codec::kNone);
}

TEST(NetTest, WriteAllVSendsEveryPartInOrder) {
  Pair p;
  // More parts than IOV_MAX, empty ones, and more bytes than the socket buffer
  // (partial sends resume in the middle of a part).
  std::vector<std::string> bufs;
  std::string expect;
  for (int i = 0; i < 3000; ++i) {
    bufs.emplace_back(static_cast<size_t>(i % 5 == 0 ? 0 : (i * 37) % 1500), static_cast<char>(i));
    expect += bufs.back();
  }
  bufs.emplace_back(std::string(3 << 20, 'B'));
  expect += bufs.back();
  std::vector<std::string_view> parts(bufs.begin(), bufs.end());
  std::string got(expect.size(), '\0');
  std::thread rd([&] { ASSERT_TRUE(ReadExact(p.b->socket(), got.data(), got.size()).ok()); });
  ASSERT_TRUE(WriteAllV(p.a->socket(), parts).ok());
  rd.join();
  EXPECT_TRUE(got == expect);
}

}  // namespace
}  // namespace dw::transfer
