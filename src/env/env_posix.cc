// The POSIX Env.
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "env/env.h"

namespace dw {
namespace {

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      return Status::FromErrno("read " + path_, errno);
    }
  }
  Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0)
      return Status::FromErrno("seek " + path_, errno);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  Result<size_t> Read(uint64_t offset, char* buf, size_t n) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno("read " + path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }
  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::FromErrno("stat " + path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  std::string path_;
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {
    struct stat st;
    regular_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
  }
  ~PosixWritableFile() override { (void)Close(); }

  Status Append(std::string_view data) override {
    if (buf_.size() + data.size() > kBufSize) {
      DW_RETURN_IF_ERROR(Flush());
      if (data.size() >= kBufSize) {
        DW_RETURN_IF_ERROR(WriteRaw(data));
        size_ += data.size();
        return Status::OK();
      }
    }
    buf_.append(data);
    size_ += data.size();
    return Status::OK();
  }
  Status Flush() override {
    if (buf_.empty()) return Status::OK();
    Status s = WriteRaw(buf_);
    buf_.clear();
    return s;
  }
  Status Sync() override {
    DW_RETURN_IF_ERROR(Flush());
    if (::fdatasync(fd_) != 0) return Status::FromErrno("fsync " + path_, errno);
    return Status::OK();
  }
  Status Close() override {
    if (fd_ < 0) return Status::OK();
    Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = Status::FromErrno("close " + path_, errno);
    fd_ = -1;
    return s;
  }
  uint64_t Size() const override { return size_; }

  Status RangeSync(uint64_t offset, uint64_t n, bool wait) override {
    // Pipes and devices: sync_file_range fails with ESPIPE; there is nothing to do.
    if (!regular_ || n == 0) return Status::OK();
    if (fd_ < 0) return Status::IOError("writeback " + path_ + ": file is closed");
    unsigned flags = SYNC_FILE_RANGE_WRITE;
    if (wait) flags |= SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WAIT_AFTER;
    while (::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(n), flags) != 0) {
      if (errno == EINTR) continue;
      if (errno == ENOSYS) {  // kernels or emulations without it: Sync() does it all
        regular_ = false;     // (DropCache, SyncFlushed: harmless to skip as well)
        return Status::OK();
      }
      return Status::FromErrno("writeback " + path_, errno);
    }
    return Status::OK();
  }
  Status SyncFlushed() override {
    if (!regular_) return Status::OK();
    if (fd_ < 0) return Status::IOError("fsync " + path_ + ": file is closed");
    if (::fdatasync(fd_) != 0) return Status::FromErrno("fsync " + path_, errno);
    return Status::OK();
  }
  void DropCache(uint64_t offset, uint64_t n) override {
    if (!regular_ || fd_ < 0 || n == 0) return;
    (void)::posix_fadvise(fd_, static_cast<off_t>(offset), static_cast<off_t>(n),
                          POSIX_FADV_DONTNEED);
  }

 private:
  static constexpr size_t kBufSize = 1 << 20;
  Status WriteRaw(std::string_view data) {
    if (fd_ < 0) return Status::IOError("write " + path_ + ": file is closed");
    while (!data.empty()) {
      ssize_t w = ::write(fd_, data.data(), data.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno("write " + path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(w));
    }
    return Status::OK();
  }

  std::string path_;
  int fd_;
  uint64_t size_;
  std::atomic<bool> regular_ = false;  // a regular file: RangeSync, DropCache, SyncFlushed apply
  std::string buf_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + path, errno);
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open " + path, errno);
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(path, fd));
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        OpenMode mode) override {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
    switch (mode) {
      case OpenMode::kCreateExclusive:
        flags |= O_EXCL;
        break;
      case OpenMode::kTruncate:
        flags |= O_TRUNC;
        break;
      case OpenMode::kAppend:
        flags |= O_APPEND;
        break;
    }
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return Status::FromErrno("create " + path, errno);
    uint64_t size = 0;
    if (mode == OpenMode::kAppend) {
      struct stat st;
      if (::fstat(fd, &st) == 0) size = static_cast<uint64_t>(st.st_size);
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, size));
  }
  bool FileExists(const std::string& path) override {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }
  FileType GetFileType(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return FileType::kMissing;
    if (S_ISREG(st.st_mode)) return FileType::kRegular;
    if (S_ISDIR(st.st_mode)) return FileType::kDirectory;
    return FileType::kOther;
  }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno("stat " + path, errno);
    return static_cast<uint64_t>(st.st_size);
  }
  Result<int64_t> GetFileMTime(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno("stat " + path, errno);
    return static_cast<int64_t>(st.st_mtime);
  }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return Status::FromErrno("list " + dir, errno);
    std::vector<std::string> out;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Status::FromErrno("remove " + path, errno);
    return Status::OK();
  }
  Status RemoveTree(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return Status::IOError("remove " + path + ": " + ec.message());
    return Status::OK();
  }
  Status CreateDirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return Status::IOError("mkdir " + path + ": " + ec.message());
    return Status::OK();
  }
  Status RenameFile(const std::string& from, const std::string& to, bool replace) override {
    if (replace) {
      if (::rename(from.c_str(), to.c_str()) != 0)
        return Status::FromErrno("rename " + from + " to " + to, errno);
      return Status::OK();
    }
    if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) ==
        0)
      return Status::OK();
    if (errno == EEXIST)
      return Status::AlreadyExists("rename " + from + " to " + to + ": target exists");
    if (errno != EINVAL && errno != ENOSYS)
      return Status::FromErrno("rename " + from + " to " + to, errno);
    // File systems without RENAME_NOREPLACE: link() fails if the target exists.
    if (::link(from.c_str(), to.c_str()) != 0) {
      if (errno == EEXIST)
        return Status::AlreadyExists("rename " + from + " to " + to + ": target exists");
      return Status::FromErrno("rename " + from + " to " + to, errno);
    }
    ::unlink(from.c_str());
    return Status::OK();
  }
  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno("open dir " + dir, errno);
    int r = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (r != 0) return Status::FromErrno("fsync dir " + dir, err);
    return Status::OK();
  }
  Status CreateSymlink(const std::string& target, const std::string& link) override {
    if (::symlink(target.c_str(), link.c_str()) != 0)
      return Status::FromErrno("symlink " + link, errno);
    return Status::OK();
  }
  Result<std::string> ReadLink(const std::string& path) override {
    std::string buf(256, '\0');
    for (;;) {
      ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINVAL) return Status::InvalidArgument(path + ": not a symbolic link");
        return Status::FromErrno("readlink " + path, errno);
      }
      if (static_cast<size_t>(n) < buf.size()) {
        buf.resize(static_cast<size_t>(n));
        return buf;
      }
      buf.resize(buf.size() * 2);
    }
  }
  Result<uint64_t> FreeSpace(const std::string& path) override {
    struct statvfs st;
    if (::statvfs(path.c_str(), &st) != 0) return Status::FromErrno("statvfs " + path, errno);
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonotonicMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void SleepForMicros(int64_t micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();
  return env;
}

Result<std::string> ReadFileToString(Env* env, const std::string& path) {
  DW_ASSIGN_OR_RETURN(auto file, env->NewSequentialFile(path));
  std::string out;
  char buf[1 << 16];
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, file->Read(buf, sizeof(buf)));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

Status WriteFileAtomic(Env* env, const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    DW_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp, OpenMode::kTruncate));
    Status s = file->Append(data);
    if (s.ok()) s = file->Sync();
    if (s.ok()) s = file->Close();
    if (!s.ok()) {
      (void)env->RemoveFile(tmp);
      return s;
    }
  }
  Status s = env->RenameFile(tmp, path, /*replace=*/true);
  if (!s.ok()) {
    (void)env->RemoveFile(tmp);
    return s;
  }
  return env->SyncDir(DirName(path));
}

std::string DirName(std::string_view path) {
  size_t pos = path.find_last_of('/');
  if (pos == std::string_view::npos) return ".";
  if (pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t pos = path.find_last_of('/');
  return std::string(pos == std::string_view::npos ? path : path.substr(pos + 1));
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (!b.empty() && b.front() == '/') return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

}  // namespace dw
