#include "stream/output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "stream/test_util.h"
#include "testing/fault_env.h"

namespace dw::stream {
namespace {

using test::XmlLike;

std::string Slurp(const std::string& path) {
  auto r = ReadFileToString(Env::Default(), path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

// Appends `in` to `sink` in 64 KiB pieces; the first error, if any.
Status AppendInPieces(Sink* sink, std::string_view in) {
  Status s;
  for (size_t pos = 0; pos < in.size() && s.ok(); pos += 65536)
    s = sink->Append(in.substr(pos, 65536));
  return s;
}

Result<std::string> DecodeFile(const std::string& path) {
  auto src = OpenInput(Env::Default(), path);
  if (!src.ok()) return src.status();
  return test::ReadAll(src->get());
}

TEST(OutputFile, WritesInprogThenPublishes) {
  test::TempDir dir;
  std::string path = dir.File("a.txt");
  auto f = OutputFile::Create(Env::Default(), path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("hello").ok());
  EXPECT_TRUE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_FALSE(Env::Default()->FileExists(path));
  ASSERT_TRUE((*f)->Publish(false).ok());
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_EQ(Slurp(path), "hello");
}

TEST(OutputFile, DestroyedWithoutPublishLeavesNothing) {
  test::TempDir dir;
  std::string path = dir.File("a.txt");
  {
    auto f = OutputFile::Create(Env::Default(), path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("partial").ok());
  }
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_FALSE(Env::Default()->FileExists(path));
}

TEST(OutputFile, ReplacesStaleInprogAndRefusesToOverwrite) {
  test::TempDir dir;
  std::string path = dir.File("a.txt");
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path + ".inprog", "stale stale stale").ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, "old").ok());
  auto f = OutputFile::Create(Env::Default(), path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("new").ok());
  Status s = (*f)->Publish(false);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_NE(s.ToString().find(path), std::string::npos);
  EXPECT_EQ(Slurp(path), "old");
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));

  auto g = OutputFile::Create(Env::Default(), path);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE((*g)->Append("new").ok());
  ASSERT_TRUE((*g)->Publish(true).ok());
  EXPECT_EQ(Slurp(path), "new");
}

TEST(OpenOutput, SpecsPickTheCompression) {
  test::TempDir dir;
  struct Case {
    std::string spec, path;
    Compression c;
  } cases[] = {
      {dir.File("a.xml"), dir.File("a.xml"), Compression::kNone},
      {dir.File("b.xml.gz"), dir.File("b.xml.gz"), Compression::kGzip},
      {dir.File("c.xml.bz2"), dir.File("c.xml.bz2"), Compression::kBzip2},
      {dir.File("d.xml.zst"), dir.File("d.xml.zst"), Compression::kZstd},
      {"bzip2:" + dir.File("e.out"), dir.File("e.out"), Compression::kBzip2},
      {"file:" + dir.File("f.gz"), dir.File("f.gz"), Compression::kNone},
  };
  std::string in = XmlLike(1'000'000);
  for (const auto& c : cases) {
    OutputOptions o;
    o.compress.threads = 2;
    o.digests = kMd5 | kSha1;
    auto out = OpenOutput(Env::Default(), c.spec, o);
    ASSERT_TRUE(out.ok()) << c.spec << ": " << out.status().ToString();
    EXPECT_EQ((*out)->path(), c.path);
    EXPECT_EQ((*out)->compression(), c.c) << c.spec;
    ASSERT_TRUE((*out)->sink()->Append(in).ok());
    ASSERT_TRUE((*out)->Publish().ok());
    std::string raw = Slurp(c.path);
    EXPECT_EQ((*out)->bytes_out(), raw.size());
    Hasher h(kMd5 | kSha1);
    h.Update(raw);
    Digests d = h.Finish();
    EXPECT_EQ((*out)->digests().md5, d.md5) << "digests are of the file's bytes";
    EXPECT_EQ((*out)->digests().sha1, d.sha1);
    auto dec = DecodeFile(c.path);
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, in);
    if (c.c != Compression::kNone) {
      EXPECT_LT(raw.size(), in.size() / 3) << c.spec;
    }
  }
}

TEST(OpenOutput, ExistingFileIsRefusedUpFront) {
  test::TempDir dir;
  std::string path = dir.File("x.xml.gz");
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, "keep me").ok());
  auto out = OpenOutput(Env::Default(), path, {});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsAlreadyExists());
  EXPECT_NE(out.status().ToString().find(path), std::string::npos);
  EXPECT_EQ(Slurp(path), "keep me");
}

TEST(OpenOutput, UnwritableDirectoryNamesThePath) {
  auto out = OpenOutput(Env::Default(), "/nonexistent-dir/x.xml", {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().ToString().find("/nonexistent-dir/x.xml"), std::string::npos);
}

TEST(OpenOutput, AbandonLeavesNothing) {
  test::TempDir dir;
  std::string path = dir.File("x.xml.bz2");
  auto out = OpenOutput(Env::Default(), path, {});
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->sink()->Append(XmlLike(2'000'000)).ok());
  (*out)->Abandon();
  EXPECT_FALSE(Env::Default()->FileExists(path));
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
}

class DiskFullTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DiskFullTest, DiskFullIsAnErrorAndLeavesNothing) {
  test::TempDir dir;
  testing::FaultEnv env(Env::Default());
  env.SetWriteLimit(10'000);
  std::string path = dir.File(std::string("x.xml") + GetParam());
  OutputOptions o;
  o.compress.threads = 2;
  auto out = OpenOutput(&env, path, o);
  ASSERT_TRUE(out.ok());
  std::string in = test::RandomBytes(3'000'000);
  Status s = AppendInPieces((*out)->sink(), in);
  if (s.ok()) s = (*out)->Publish();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find("No space left"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find(path), std::string::npos) << s.ToString();
  out->reset();
  EXPECT_FALSE(Env::Default()->FileExists(path));
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_EQ(env.counts().renames.load(), 0u);
}

INSTANTIATE_TEST_SUITE_P(All, DiskFullTest, ::testing::Values("", ".gz", ".bz2", ".zst"));

TEST(OpenOutput, FailedRenameOrSyncLeavesNothing) {
  for (int which = 0; which < 2; ++which) {
    test::TempDir dir;
    testing::FaultEnv env(Env::Default());
    if (which == 0)
      env.FailRenames(true);
    else
      env.FailSyncs(true);
    std::string path = dir.File("x.xml.gz");
    auto out = OpenOutput(&env, path, {});
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->sink()->Append("data").ok());
    Status s = (*out)->Publish();
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_FALSE(Env::Default()->FileExists(path));
    EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  }
}

TEST(OpenOutput, UnitOffsetsMatchTheFile) {
  test::TempDir dir;
  std::string path = dir.File("m.xml.bz2");
  OutputOptions o;
  o.compress.threads = 2;
  auto out = OpenOutput(Env::Default(), path, o);
  ASSERT_TRUE(out.ok());
  std::vector<uint64_t> offsets;
  std::vector<std::string> units;
  for (int i = 0; i < 20; ++i) {
    units.push_back(XmlLike(50'000 + static_cast<size_t>(i) * 10'000, static_cast<uint32_t>(i)));
    ASSERT_TRUE((*out)->sink()->Append(units.back()).ok());
    ASSERT_TRUE((*out)->sink()->EndUnit([&](uint64_t off) { offsets.push_back(off); }).ok());
  }
  ASSERT_TRUE((*out)->Publish().ok());
  ASSERT_EQ(offsets.size(), units.size());
  std::string raw = Slurp(path);
  EXPECT_EQ(offsets.back(), raw.size());
  uint64_t prev = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    auto dec = test::Decode(std::string_view(raw).substr(prev, offsets[i] - prev));
    ASSERT_TRUE(dec.ok()) << i;
    EXPECT_EQ(*dec, units[i]) << i;
    prev = offsets[i];
  }
}

// --- Devices and pipes are written in place, never renamed over. ---

// Refuses every rename, removal or creation that touches /dev (except opening
// /dev/null itself), so that even a regression cannot replace the real
// /dev/null: it fails the test instead.
class DevGuardEnv final : public EnvWrapper {
 public:
  DevGuardEnv() : EnvWrapper(Env::Default()) {}
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p, OpenMode m) override {
    if (p.starts_with("/dev/") && p != "/dev/null") return Refuse("create", p);
    return EnvWrapper::NewWritableFile(p, m);
  }
  Status RenameFile(const std::string& f, const std::string& t, bool r) override {
    if (f.starts_with("/dev/") || t.starts_with("/dev/")) return Refuse("rename", t);
    renames++;
    return EnvWrapper::RenameFile(f, t, r);
  }
  Status RemoveFile(const std::string& p) override {
    if (p.starts_with("/dev/")) return Refuse("remove", p);
    return EnvWrapper::RemoveFile(p);
  }
  std::atomic<int> refused{0};
  std::atomic<int> renames{0};

 private:
  Status Refuse(const char* what, const std::string& p) {
    refused++;
    ADD_FAILURE() << "test guard: refused to " << what << " " << p;
    return Status::IOError(std::string("test guard refused ") + what + " " + p);
  }
};

// Stats /dev/null; fails loudly unless it is a character device.
::testing::AssertionResult DevNullIsADevice(struct stat* st) {
  if (::stat("/dev/null", st) != 0)
    return ::testing::AssertionFailure() << "cannot stat /dev/null: " << std::strerror(errno);
  if (!S_ISCHR(st->st_mode))
    return ::testing::AssertionFailure()
           << "/dev/null IS NOT A CHARACTER DEVICE (mode " << std::oct << st->st_mode
           << "): this machine's /dev/null has been replaced; fix it (mknod -m 666 /dev/null c 1 "
              "3)";
  return ::testing::AssertionSuccess();
}

TEST(OutputFile, FileTypes) {
  test::TempDir dir;
  Env* env = Env::Default();
  std::string reg = dir.File("r"), fifo = dir.File("p"), link = dir.File("l");
  ASSERT_TRUE(WriteFileAtomic(env, reg, "x").ok());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_TRUE(env->CreateSymlink(reg, link).ok());
  EXPECT_EQ(env->GetFileType(dir.File("missing")), FileType::kMissing);
  EXPECT_EQ(env->GetFileType(reg), FileType::kRegular);
  EXPECT_EQ(env->GetFileType(link), FileType::kRegular);
  EXPECT_EQ(env->GetFileType(dir.path()), FileType::kDirectory);
  EXPECT_EQ(env->GetFileType(fifo), FileType::kOther);
  EXPECT_EQ(env->GetFileType("/dev/null"), FileType::kOther);
  EXPECT_FALSE(OutputFile::WritesInPlace(env, reg));
  EXPECT_FALSE(OutputFile::WritesInPlace(env, link));
  EXPECT_FALSE(OutputFile::WritesInPlace(env, dir.path()));
  EXPECT_FALSE(OutputFile::WritesInPlace(env, dir.File("missing")));
  EXPECT_TRUE(OutputFile::WritesInPlace(env, fifo));
  EXPECT_TRUE(OutputFile::WritesInPlace(env, "/dev/null"));
}

TEST(OpenOutput, DevNullStaysADevice) {
  struct stat before, after;
  ASSERT_TRUE(DevNullIsADevice(&before));
  DevGuardEnv env;
  // Nothing may go near /dev/null unless it is written in place.
  ASSERT_TRUE(OutputFile::WritesInPlace(&env, "/dev/null"));
  std::string in = XmlLike(300'000);
  for (const char* spec :
       {"/dev/null", "file:/dev/null", "gzip:/dev/null", "bzip2:/dev/null", "zstd:/dev/null"}) {
    auto out = OpenOutput(&env, spec, {});  // no overwrite needed for a device
    ASSERT_TRUE(out.ok()) << spec << ": " << out.status().ToString();
    ASSERT_TRUE((*out)->sink()->Append(in).ok()) << spec;
    Status s = (*out)->Publish();
    ASSERT_TRUE(s.ok()) << spec << ": " << s.ToString();
    EXPECT_GT((*out)->bytes_out(), 0u) << spec;
    ASSERT_TRUE(DevNullIsADevice(&after)) << "after " << spec;
    EXPECT_EQ(after.st_rdev, before.st_rdev) << spec;
    EXPECT_EQ(after.st_ino, before.st_ino) << spec;
  }
  {  // Abandon and destruction only close it.
    auto out = OpenOutput(&env, "gzip:/dev/null", {});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_TRUE((*out)->sink()->Append(in).ok());
    (*out)->Abandon();
    auto f = OutputFile::Create(&env, "/dev/null");
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_TRUE((*f)->in_place());
    EXPECT_EQ((*f)->write_path(), "/dev/null");
    ASSERT_TRUE((*f)->Append("dropped").ok());
  }
  ASSERT_TRUE(DevNullIsADevice(&after));
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(env.refused.load(), 0);
  EXPECT_EQ(env.renames.load(), 0);
  EXPECT_FALSE(Env::Default()->FileExists("/dev/null.inprog"));
}

// Writes `spec` (naming a FIFO) while a thread reads the FIFO; returns what the
// reader got.
std::string WriteThroughFifo(DevGuardEnv* env, const std::string& fifo, const std::string& spec,
                             const std::string& in) {
  // Open the read end first (non-blocking open), so the writer's open does not
  // block; then read in a thread so a full pipe does not block the writer.
  int rfd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  EXPECT_GE(rfd, 0) << std::strerror(errno);
  if (rfd < 0) return "";
  ::fcntl(rfd, F_SETFL, ::fcntl(rfd, F_GETFL) & ~O_NONBLOCK);
  std::string got;
  std::jthread reader;  // declared before `out`: joined after the writer is closed
  std::unique_ptr<Output> out;
  {
    auto o = OpenOutput(env, spec, {});
    EXPECT_TRUE(o.ok()) << spec << ": " << o.status().ToString();
    if (!o.ok()) {
      ::close(rfd);
      return "";
    }
    out = std::move(*o);
  }
  reader = std::jthread([rfd, &got] {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(rfd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    ::close(rfd);
  });
  EXPECT_TRUE(out->sink()->Append(in).ok()) << spec;
  Status s = out->Publish();
  EXPECT_TRUE(s.ok()) << spec << ": " << s.ToString();
  out.reset();
  reader.join();
  return got;
}

TEST(OpenOutput, FifoStaysAFifo) {
  test::TempDir dir;
  DevGuardEnv env;
  std::string fifo = dir.File("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  ASSERT_TRUE(OutputFile::WritesInPlace(&env, fifo));  // else the writes below would hang
  std::string in = XmlLike(1'000'000);                 // more than a pipe buffer
  for (std::string kind : {"file:", "gzip:", "zstd:"}) {
    std::string got = WriteThroughFifo(&env, fifo, kind + fifo, in);
    if (kind == "file:") {
      EXPECT_EQ(got, in);
    } else {
      auto dec = test::Decode(got);
      ASSERT_TRUE(dec.ok()) << kind << dec.status().ToString();
      EXPECT_EQ(*dec, in) << kind;
    }
    struct stat st;
    ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode)) << kind << ": the FIFO was replaced";
    EXPECT_FALSE(Env::Default()->FileExists(fifo + ".inprog")) << kind;
  }
  EXPECT_EQ(env.renames.load(), 0);
  auto children = Env::Default()->GetChildren(dir.path());
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(*children, std::vector<std::string>{"pipe"});
}

TEST(OpenOutput, RegularFilesAndLinksToThemAreStillRefused) {
  test::TempDir dir;
  std::string path = dir.File("x.xml"), link = dir.File("l.xml");
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), path, "keep me").ok());
  ASSERT_TRUE(Env::Default()->CreateSymlink(path, link).ok());
  for (const std::string& spec : {path, "file:" + path, "gzip:" + path, link}) {
    auto out = OpenOutput(Env::Default(), spec, {});
    ASSERT_FALSE(out.ok()) << spec;
    EXPECT_TRUE(out.status().IsAlreadyExists()) << spec << ": " << out.status().ToString();
  }
  EXPECT_EQ(Slurp(path), "keep me");
  // With overwrite a regular file is still replaced atomically, not written in place.
  OutputOptions o;
  o.overwrite = true;
  auto out = OpenOutput(Env::Default(), path, o);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->sink()->Append("new").ok());
  EXPECT_EQ(Slurp(path), "keep me");
  EXPECT_TRUE(Env::Default()->FileExists(path + ".inprog"));
  ASSERT_TRUE((*out)->Publish().ok());
  EXPECT_EQ(Slurp(path), "new");
}

}  // namespace
}  // namespace dw::stream

namespace dw::stream {
namespace {

// Records every RangeSync/DropCache/SyncFlushed call of the files it creates
// (from the writer and from the output's helper thread), with the size the file
// had on disk (handed to the OS) at that moment.
class WritebackRecorder final : public EnvWrapper {
 public:
  struct Call {
    uint64_t offset, n;
    bool wait;
    uint64_t size_on_disk;
    uint64_t waited_before;  // end of the last wait done when the call was made
  };
  WritebackRecorder() : EnvWrapper(Env::Default()) {}
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p, OpenMode m) override {
    DW_ASSIGN_OR_RETURN(auto f, EnvWrapper::NewWritableFile(p, m));
    return std::unique_ptr<WritableFile>(new File(this, p, std::move(f)));
  }
  std::mutex mu;
  std::vector<Call> calls, drops;
  int flushed_syncs = 0;
  uint64_t waited = 0;

 private:
  class File final : public WritableFile {
   public:
    File(WritebackRecorder* env, std::string path, std::unique_ptr<WritableFile> f)
        : env_(env), path_(std::move(path)), f_(std::move(f)) {}
    Status Append(std::string_view d) override { return f_->Append(d); }
    Status Flush() override { return f_->Flush(); }
    Status Sync() override { return f_->Sync(); }
    Status Close() override { return f_->Close(); }
    uint64_t Size() const override { return f_->Size(); }
    Status RangeSync(uint64_t offset, uint64_t n, bool wait) override {
      {
        std::lock_guard l(env_->mu);
        env_->calls.push_back({offset, n, wait, OnDisk(), env_->waited});
      }
      Status s = f_->RangeSync(offset, n, wait);
      std::lock_guard l(env_->mu);
      if (wait) env_->waited = offset + n;
      return s;
    }
    void DropCache(uint64_t offset, uint64_t n) override {
      {
        std::lock_guard l(env_->mu);
        env_->drops.push_back({offset, n, true, OnDisk(), env_->waited});
      }
      f_->DropCache(offset, n);
    }
    Status SyncFlushed() override {
      {
        std::lock_guard l(env_->mu);
        env_->flushed_syncs++;
      }
      return f_->SyncFlushed();
    }

   private:
    uint64_t OnDisk() const {
      struct stat st;
      return ::stat(path_.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    }
    WritebackRecorder* env_;
    std::string path_;
    std::unique_ptr<WritableFile> f_;
  };
};

TEST(OutputFileWriteback, StartsAndWaitsForConsecutiveRangesAndKeepsTheBytes) {
  test::TempDir dir;
  WritebackRecorder env;
  std::string path = dir.File("w.xml");
  OutputOptions o;
  o.bytes_per_sync = 64 << 10;
  auto out = OpenOutput(&env, path, o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::string in = test::RandomBytes(3'000'003);
  std::vector<uint64_t> offsets;
  // Odd piece sizes, and pieces bigger than the file's 1 MiB buffer.
  size_t piece = 1;
  for (size_t pos = 0; pos < in.size(); pos += piece, piece = piece * 7 % 40'000 + 1) {
    if (pos > 1'000'000 && pos < 1'100'000) piece = 1'500'000;
    ASSERT_TRUE((*out)->sink()->Append(std::string_view(in).substr(pos, piece)).ok());
    ASSERT_TRUE((*out)->sink()->EndUnit([&](uint64_t off) { offsets.push_back(off); }).ok());
  }
  ASSERT_TRUE((*out)->Publish().ok());
  EXPECT_EQ(Slurp(path), in);
  // Offsets of units are those of the data, not moved by the writeback.
  ASSERT_FALSE(offsets.empty());
  EXPECT_EQ(offsets.back(), in.size());

  std::lock_guard l(env.mu);
  uint64_t started = 0, waited = 0;
  size_t starts = 0, waits = 0;
  const uint64_t step = o.bytes_per_sync + 1'500'000;  // at most one piece more
  for (const auto& c : env.calls) {
    EXPECT_LE(c.offset + c.n, c.size_on_disk) << "writeback of bytes not yet handed to the OS";
    if (!c.wait) {
      EXPECT_EQ(c.offset, started) << "started ranges are consecutive";
      EXPECT_GE(c.n, o.bytes_per_sync);
      started = c.offset + c.n;
      // Bounded: the writer is never more than 2 + 4 steps ahead of the waits.
      EXPECT_LE(started - c.waited_before, 7 * step) << "at " << started;
      ++starts;
    } else {
      EXPECT_EQ(c.offset, waited) << "waited ranges are consecutive";
      EXPECT_LE(c.offset + c.n, started) << "waits only for started ranges";
      waited = c.offset + c.n;
      ++waits;
    }
  }
  EXPECT_GE(starts, in.size() / step);
  EXPECT_GE(waits, 1u);
  EXPECT_EQ(env.drops.size(), waits);
  for (const auto& d : env.drops) EXPECT_LE(d.offset + d.n, d.waited_before);
  EXPECT_GE(env.flushed_syncs, 1);
}

TEST(OutputFileWriteback, ZeroTurnsItOffAndDevicesNeverGetIt) {
  test::TempDir dir;
  struct stat before;
  ASSERT_TRUE(DevNullIsADevice(&before));
  WritebackRecorder env;
  std::string in = XmlLike(300'000);
  OutputOptions off;
  off.bytes_per_sync = 0;
  auto a = OpenOutput(&env, dir.File("a.xml"), off);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->sink()->Append(in).ok());
  ASSERT_TRUE((*a)->Publish().ok());
  EXPECT_TRUE(env.calls.empty());
  OutputOptions tiny;
  tiny.bytes_per_sync = 1;
  auto b = OpenOutput(&env, "file:/dev/null", tiny);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*b)->sink()->Append(in).ok());
  ASSERT_TRUE((*b)->Publish().ok());
  EXPECT_TRUE(env.calls.empty()) << "writeback asked of a device";
  EXPECT_TRUE(env.drops.empty());
}

class WritebackErrorTest : public ::testing::TestWithParam<std::tuple<int, const char*>> {};

TEST_P(WritebackErrorTest, IsAnErrorNamingTheFileAndNothingIsPublished) {
  auto [err, ext] = GetParam();
  test::TempDir dir;
  testing::FaultEnv env(Env::Default());
  env.FailRangeSyncs(err);
  std::string path = dir.File(std::string("x.xml") + ext);
  OutputOptions o;
  o.bytes_per_sync = 100'000;
  o.compress.threads = 2;
  auto out = OpenOutput(&env, path, o);
  ASSERT_TRUE(out.ok());
  std::string in = test::RandomBytes(3'000'000);
  Status s = AppendInPieces((*out)->sink(), in);
  if (s.ok()) s = (*out)->Publish();
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.ToString().find(std::strerror(err)), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find(path + ".inprog"), std::string::npos) << s.ToString();
  EXPECT_EQ(s.ToString().find('\n'), std::string::npos) << "one line";
  out->reset();
  EXPECT_FALSE(Env::Default()->FileExists(path));
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_EQ(env.counts().renames.load(), 0u);
  EXPECT_GE(env.counts().range_syncs.load(), 1u);
}

// The helper thread's fdatasync fails: the writer gets the error while
// writing, not only at the end.
TEST(OutputFileWriteback, HelperThreadErrorsReachTheWriter) {
  test::TempDir dir;
  testing::FaultEnv env(Env::Default());
  env.FailSyncs(true);
  std::string path = dir.File("x.xml");
  OutputOptions o;
  o.bytes_per_sync = 100'000;
  auto out = OpenOutput(&env, path, o);
  ASSERT_TRUE(out.ok());
  std::string in = test::RandomBytes(3'000'000);
  Status s = AppendInPieces((*out)->sink(), in);
  ASSERT_FALSE(s.ok()) << "the error surfaced only at Publish()";
  EXPECT_NE(s.ToString().find("fsync " + path + ".inprog: Input/output error"), std::string::npos)
      << s.ToString();
  EXPECT_GE(env.counts().flushed_syncs.load(), 1u);
  EXPECT_FALSE((*out)->Publish().ok());
  out->reset();
  EXPECT_FALSE(Env::Default()->FileExists(path));
  EXPECT_FALSE(Env::Default()->FileExists(path + ".inprog"));
  EXPECT_EQ(env.counts().renames.load(), 0u);
}

INSTANTIATE_TEST_SUITE_P(All, WritebackErrorTest,
                         ::testing::Combine(::testing::Values(EIO, ENOSPC),
                                            ::testing::Values("", ".gz", ".bz2", ".zst")));

}  // namespace
}  // namespace dw::stream
