// Sender and Receiver over a socketpair, with real files in temp directories.
#include "transfer/receiver.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/fault_env.h"
#include "transfer/crypto.h"
#include "transfer/sender.h"
#include "transfer/test_util.h"

namespace dw::transfer {
namespace {

Entry MakeEntry(EntryType t, const std::string& path, uint32_t mode) {
  Entry e;
  e.type = t;
  e.path = path;
  e.mode = mode;
  return e;
}

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/dwtx-unit-XXXXXX";
    path_ = mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& p, const std::string& data) {
  fs::create_directories(fs::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << data;
}
std::string ReadFile(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

using Pair = test::SocketPair;

struct SendResult {
  Status receiver;  // Receiver::Run (before Cleanup)
  Status sender;    // Sender::Run
  Status target;    // the one target's status after the send
};

// Sends `src_dir/name` over a socketpair to `rcv` (prepared), both sides
// handshaking with `key` (also set into `so`). Joins the receiving thread on
// every path, so a failed walk or handshake fails the test without hanging it.
SendResult SendOverPair(Receiver& rcv, const std::string& key, const std::string& src_dir,
                        const std::string& name, SenderOptions so) {
  SendResult r;
  Pair p;
  std::thread t([&] {
    auto sess = ServerHandshake(p.b->socket(), key);
    r.receiver = sess.ok() ? rcv.Run(p.b.get(), *sess) : sess.status();
  });
  auto walk = WalkSource(src_dir + "/" + name);
  EXPECT_TRUE(walk.ok()) << walk.status().ToString();
  auto sess = ClientHandshake(p.a->socket(), key);
  EXPECT_TRUE(sess.ok()) << sess.status().ToString();
  if (!walk.ok() || !sess.ok()) {
    p.a.reset();  // the receiver sees the connection close
    t.join();
    r.sender = walk.ok() ? sess.status() : walk.status();
    return r;
  }
  auto tc = std::make_unique<TargetConn>();
  tc->name = "peer";
  tc->session = *sess;
  tc->conn = std::move(p.a);
  std::vector<std::unique_ptr<TargetConn>> targets;
  targets.push_back(std::move(tc));
  so.key = key;
  Sender sender(so);
  r.sender = sender.Run(name, *walk, targets);
  t.join();
  r.target = targets[0]->status;
  return r;
}

TEST(ReceiverTest, TreeRoundTripEncryptedCompressed) {
  TempDir src, dst;
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 5);
  WriteFile(src.path() + "/tree/big", big);
  WriteFile(src.path() + "/tree/sub/small", "small");
  fs::create_directories(src.path() + "/tree/empty");
  symlink("../big", (src.path() + "/tree/sub/link").c_str());
  chmod((src.path() + "/tree/sub/small").c_str(), 0604);

  std::string key = RandomBytes(kKeySize);
  ReceiverOptions ro;
  ro.dir = dst.path();
  ro.name = "tree";
  ro.key = key;
  Receiver rcv(ro);
  ASSERT_TRUE(rcv.Prepare().ok());
  SenderOptions so;
  so.threads = 2;
  SendResult r = SendOverPair(rcv, key, src.path(), "tree", so);
  rcv.Cleanup(r.receiver.ok());
  ASSERT_TRUE(r.sender.ok()) << r.sender.ToString();
  ASSERT_TRUE(r.receiver.ok()) << r.receiver.ToString();
  EXPECT_TRUE(r.target.ok()) << r.target.ToString();
  EXPECT_EQ(ReadFile(dst.path() + "/tree/big"), big);
  EXPECT_EQ(ReadFile(dst.path() + "/tree/sub/small"), "small");
  EXPECT_TRUE(fs::is_directory(dst.path() + "/tree/empty"));
  EXPECT_EQ(fs::read_symlink(dst.path() + "/tree/sub/link"), "../big");
  struct stat sb;
  ASSERT_EQ(stat((dst.path() + "/tree/sub/small").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 07777, 0604u);
  EXPECT_FALSE(fs::exists(rcv.staging_dir()));
}

// Every data path combination (sealed or not, compressed or not; big blocks
// sent from their read buffers, small files packed): the copy is identical.
void DataPathRoundTrip(bool encrypt, Codec codec) {
  TempDir src, dst;
  std::string big((3 << 20) + 12345, '\0');
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < big.size(); ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    // Alternating 1 MiB stretches of noise and text: some blocks compress.
    big[i] = (i >> 20) % 2 ? static_cast<char>(x) : "INSERT INTO t VALUES (1);\n"[i % 26];
  }
  WriteFile(src.path() + "/db/ibdata1", big);
  std::vector<std::string> smalls;
  for (int i = 0; i < 120; ++i) {
    smalls.push_back(big.substr(static_cast<size_t>(i) * 7777, static_cast<size_t>(i * 37 % 5000)));
    WriteFile(src.path() + "/db/small/f" + std::to_string(i), smalls.back());
  }
  std::string key = RandomBytes(kKeySize);
  ReceiverOptions ro;
  ro.dir = dst.path();
  ro.name = "db";
  ro.key = key;
  ro.encrypt = encrypt;
  Receiver rcv(ro);
  ASSERT_TRUE(rcv.Prepare().ok());
  SenderOptions so;
  so.encrypt = encrypt;
  so.codec = codec;
  so.threads = 3;
  SendResult r = SendOverPair(rcv, key, src.path(), "db", so);
  rcv.Cleanup(r.receiver.ok());
  ASSERT_TRUE(r.sender.ok()) << r.sender.ToString();
  ASSERT_TRUE(r.receiver.ok()) << r.receiver.ToString();
  EXPECT_TRUE(ReadFile(dst.path() + "/db/ibdata1") == big);
  for (int i = 0; i < 120; ++i)
    ASSERT_EQ(ReadFile(dst.path() + "/db/small/f" + std::to_string(i)),
              smalls[static_cast<size_t>(i)])
        << i;
}

TEST(ReceiverTest, DataPathSealedCompressed) { DataPathRoundTrip(true, Codec::kZstd); }
TEST(ReceiverTest, DataPathSealedRaw) { DataPathRoundTrip(true, Codec::kNone); }
TEST(ReceiverTest, DataPathPlainCompressed) { DataPathRoundTrip(false, Codec::kZstd); }
TEST(ReceiverTest, DataPathPlainRaw) { DataPathRoundTrip(false, Codec::kNone); }
TEST(ReceiverTest, DataPathPlainGzip) { DataPathRoundTrip(false, Codec::kGzip); }

// Sends `src_dir/name` to a Receiver with options `ro` (dir, name, key set
// here); returns the receiver's status after its Cleanup.
Status RoundTrip(const std::string& src_dir, const std::string& name, ReceiverOptions ro,
                 std::string* staging) {
  std::string key = RandomBytes(kKeySize);
  ro.name = name;
  ro.key = key;
  Receiver rcv(ro);
  EXPECT_TRUE(rcv.Prepare().ok());
  *staging = rcv.staging_dir();
  SenderOptions so;
  so.threads = 1;
  SendResult r = SendOverPair(rcv, key, src_dir, name, so);
  rcv.Cleanup(r.receiver.ok());
  return r.receiver;
}

// Publishing goes through Env: a failing rename or directory sync fails the
// target and loses nothing (no partial copy under the final name, an existing
// copy replaced with --force stays in place, the staging directory is gone).
TEST(ReceiverTest, PublishFailuresLoseNothing) {
  TempDir src, dst;
  WriteFile(src.path() + "/db/ibdata1", std::string(100000, 'x'));
  WriteFile(src.path() + "/db/sub/t.ibd", "rows");
  testing::FaultEnv env(Env::Default());
  ReceiverOptions ro;
  ro.dir = dst.path();
  ro.env = &env;
  std::string staging;

  env.FailRenames(true);
  Status s = RoundTrip(src.path(), "db", ro, &staging);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("rename"), std::string::npos) << s.ToString();
  EXPECT_FALSE(fs::exists(dst.path() + "/db"));
  EXPECT_FALSE(fs::exists(staging));

  // --force over an existing copy: the rename fails, the old copy stays.
  WriteFile(dst.path() + "/db/old-file", "keep me");
  ro.force = true;
  s = RoundTrip(src.path(), "db", ro, &staging);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ReadFile(dst.path() + "/db/old-file"), "keep me");
  EXPECT_FALSE(fs::exists(staging));

  // The directory fsync after the rename fails: reported, not ignored.
  env.FailRenames(false);
  env.FailSyncs(true);
  fs::remove_all(dst.path() + "/db");
  s = RoundTrip(src.path(), "db", ro, &staging);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("fsync"), std::string::npos) << s.ToString();

  // And without faults the same Env publishes the copy.
  env.FailSyncs(false);
  fs::remove_all(dst.path() + "/db");
  s = RoundTrip(src.path(), "db", ro, &staging);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadFile(dst.path() + "/db/sub/t.ibd"), "rows");
  EXPECT_GE(env.counts().renames, 1u);
  EXPECT_FALSE(fs::exists(staging));
}

// A hostile sender (plain frames, key known) tries to write outside the copy.
Status RunHostile(const std::string& dir, const std::vector<Frame>& frames) {
  ReceiverOptions ro;
  ro.dir = dir;
  ro.name = "root";
  ro.key = RandomBytes(kKeySize);
  ro.encrypt = false;
  Receiver rcv(ro);
  EXPECT_TRUE(rcv.Prepare().ok());
  Pair p;
  Status rs;
  std::thread t([&] { rs = rcv.Run(p.b.get(), Session{}); });
  auto state = p.a->ReadFrame();  // the receiver's resume state
  EXPECT_TRUE(state.ok());
  for (const Frame& f : frames)
    if (!p.a->WriteFrame(f).ok()) break;
  p.a->socket().Shutdown();
  t.join();
  rcv.Cleanup(rs.ok());
  EXPECT_FALSE(fs::exists(rcv.staging_dir()));
  EXPECT_FALSE(fs::exists(dir + "/root"));
  return rs;
}

TEST(ReceiverTest, RefusesPathTraversal) {
  TempDir base;
  std::string dir = base.path() + "/target", outside = base.path() + "/outside";
  fs::create_directories(dir);
  fs::create_directories(outside);
  Header h;
  h.root = "root";
  Entry root = MakeEntry(EntryType::kDir, "root", 0755);
  auto file = [](const std::string& p) {
    Entry e = MakeEntry(EntryType::kFile, p, 0644);
    e.size = 1;
    return e;
  };
  Data d;
  d.raw_len = 1;
  d.bytes = "x";
  for (std::string bad : {"root/../evil", "/etc/evil", "../evil", "root/a/../../evil"}) {
    Status s = RunHostile(dir, {h, root, file(bad), d, FileEnd{}, End{2, 1}});
    EXPECT_TRUE(s.IsCorruption()) << bad << ": " << s.ToString();
    EXPECT_NE(s.ToString().find("refused"), std::string::npos) << s.ToString();
  }
  // A symlink planted by the stream, then a file "through" it.
  Entry link = MakeEntry(EntryType::kSymlink, "root/link", 0777);
  link.link_target = outside;
  Status s = RunHostile(dir, {h, root, link, file("root/link/pwn"), d, FileEnd{}, End{3, 1}});
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("symlink"), std::string::npos) << s.ToString();
  // A root that is a symlink itself, then a file below it.
  Entry rootlink = MakeEntry(EntryType::kSymlink, "root", 0777);
  rootlink.link_target = outside;
  s = RunHostile(dir, {h, rootlink, file("root/pwn"), d, FileEnd{}, End{2, 1}});
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // A header naming another root.
  Header other = h;
  other.root = "..";
  EXPECT_TRUE(RunHostile(dir, {other}).IsCorruption());
  EXPECT_TRUE(fs::is_empty(outside));
  EXPECT_FALSE(fs::exists(base.path() + "/evil"));
}

}  // namespace
}  // namespace dw::transfer
