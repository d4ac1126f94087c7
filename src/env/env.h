// Env: everything dumpworks does to the file system and the clock goes through
// here, so tests can swap in a fault-injecting or fake implementation
// (see env/fault_env.h). Modelled on LevelDB's Env.
//
// Paths are plain POSIX paths. Every failure names the path in its message.
// Thread-safety: Env::Default() and its files may be used from several threads;
// a single file object is not synchronised.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace dw {

// A file read front to back.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to n bytes into buf; returns the count, 0 at end of file.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  virtual Status Skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets (pread). Safe for concurrent reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset; returns the count (short only at end of file).
  virtual Result<size_t> Read(uint64_t offset, char* buf, size_t n) const = 0;
  virtual Result<uint64_t> Size() const = 0;
};

// A file written front to back.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Flush() = 0;  // to the OS
  virtual Status Sync() = 0;   // to the disk (fdatasync)
  virtual Status Close() = 0;  // idempotent
  virtual uint64_t Size()
      const = 0;  // bytes written so far (plus the size it had if opened for append)

  // Early writeback of bytes [offset, offset + n) of the file, already handed to
  // the OS by Flush(). wait=false starts writing them to the disk and returns;
  // wait=true also waits until they are written. A long writer calls this every
  // few MiB so its dirty page cache stays bounded and the final Sync() has
  // little left to do (Linux sync_file_range). Not a durability guarantee (no
  // metadata, no disk cache flush): Sync() before publishing stays. A no-op for
  // pipes, devices and implementations without it (the default).
  virtual Status RangeSync(uint64_t offset, uint64_t n, bool wait) {
    (void)offset, (void)n, (void)wait;
    return Status::OK();
  }
  // Tells the OS the cached pages of [offset, offset + n) will not be read
  // again (POSIX_FADV_DONTNEED), so they are dropped first under memory
  // pressure instead of other files' pages. Only for ranges RangeSync(wait=true)
  // has written: dirty pages are not dropped. Advisory; never fails.
  virtual void DropCache(uint64_t offset, uint64_t n) { (void)offset, (void)n; }
  // fdatasync of what Flush() has already handed to the OS (Sync() without the
  // Flush()). A no-op for pipes and devices. Lets a helper thread make the
  // data durable step by step while the file is still being written.
  virtual Status SyncFlushed() { return Status::OK(); }
  // Thread-safety: RangeSync(wait=true), DropCache and SyncFlushed may be
  // called from one other thread while the owner appends, flushes and starts
  // writeback (RangeSync(wait=false)); never concurrently with Sync or Close.
};

enum class OpenMode {
  kCreateExclusive,  // fail with AlreadyExists if the file exists
  kTruncate,         // create or truncate
  kAppend,           // create or append
};

// What a path names, following symbolic links.
enum class FileType {
  kMissing,    // nothing there (or a dangling link, or stat failed)
  kRegular,    // a regular file
  kDirectory,  // a directory
  kOther,      // a device, FIFO or socket: written in place, never renamed over
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env. Never deleted.
  static Env* Default();

  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                OpenMode mode) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  // The type of what path names (stat, so links are followed).
  virtual FileType GetFileType(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  // Modification time in seconds since the epoch.
  virtual Result<int64_t> GetFileMTime(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, without "." and "..", sorted.
  virtual Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes a directory and everything below it. A missing directory is OK.
  virtual Status RemoveTree(const std::string& path) = 0;
  // Creates the directory and missing parents; an existing directory is OK.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Renames atomically. With replace=false fails with AlreadyExists if `to` exists
  // (renameat2 RENAME_NOREPLACE, or link+unlink where that is not supported).
  virtual Status RenameFile(const std::string& from, const std::string& to, bool replace) = 0;
  // fsyncs a directory, so that renames and creations in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status CreateSymlink(const std::string& target, const std::string& link) = 0;
  // The target of a symbolic link, as stored (readlink(2)). NotFound when path
  // does not exist, InvalidArgument when it is not a symbolic link.
  virtual Result<std::string> ReadLink(const std::string& path) = 0;
  // Free bytes for unprivileged users on the file system holding path.
  virtual Result<uint64_t> FreeSpace(const std::string& path) = 0;

  // Wall clock, microseconds since the epoch.
  virtual int64_t NowMicros() = 0;
  // Monotonic clock, microseconds.
  virtual int64_t MonotonicMicros() = 0;
  virtual void SleepForMicros(int64_t micros) = 0;
};

// Forwards every call to another Env; derive from it to change a few calls
// (fault injection, counting) and keep the rest.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& p) override {
    return target_->NewSequentialFile(p);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return target_->NewRandomAccessFile(p);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p, OpenMode m) override {
    return target_->NewWritableFile(p, m);
  }
  bool FileExists(const std::string& p) override { return target_->FileExists(p); }
  FileType GetFileType(const std::string& p) override { return target_->GetFileType(p); }
  Result<uint64_t> GetFileSize(const std::string& p) override { return target_->GetFileSize(p); }
  Result<int64_t> GetFileMTime(const std::string& p) override { return target_->GetFileMTime(p); }
  Result<std::vector<std::string>> GetChildren(const std::string& d) override {
    return target_->GetChildren(d);
  }
  Status RemoveFile(const std::string& p) override { return target_->RemoveFile(p); }
  Status RemoveTree(const std::string& p) override { return target_->RemoveTree(p); }
  Status CreateDirs(const std::string& p) override { return target_->CreateDirs(p); }
  Status RenameFile(const std::string& f, const std::string& t, bool r) override {
    return target_->RenameFile(f, t, r);
  }
  Status SyncDir(const std::string& d) override { return target_->SyncDir(d); }
  Status CreateSymlink(const std::string& t, const std::string& l) override {
    return target_->CreateSymlink(t, l);
  }
  Result<std::string> ReadLink(const std::string& p) override { return target_->ReadLink(p); }
  Result<uint64_t> FreeSpace(const std::string& p) override { return target_->FreeSpace(p); }
  int64_t NowMicros() override { return target_->NowMicros(); }
  int64_t MonotonicMicros() override { return target_->MonotonicMicros(); }
  void SleepForMicros(int64_t m) override { target_->SleepForMicros(m); }

 private:
  Env* target_;
};

// Helpers built on Env.
Result<std::string> ReadFileToString(Env* env, const std::string& path);
// Writes `data` to path atomically: path + ".tmp.<pid>", fsync, rename, fsync dir.
Status WriteFileAtomic(Env* env, const std::string& path, std::string_view data);
std::string DirName(std::string_view path);
std::string BaseName(std::string_view path);
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace dw
