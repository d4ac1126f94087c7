#include "transfer/receiver.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"
#include "transfer/digest.h"
#include "transfer/frame_reader.h"

extern char** environ;

namespace dw::transfer {
namespace {

constexpr const char* kStateLog = "state.log";
// Files from this size on are read back (--checksum) while the stream goes on.
constexpr uint64_t kEarlyVerifySize = 8 << 20;
// Writeback of received data is started every this many bytes of a file.
constexpr uint64_t kWritebackChunk = 8 << 20;

// openat2 beneath `dirfd`, never following a symlink in any component.
int OpenBeneath(int dirfd, const std::string& rel, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long r;
  do {
    r = ::syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how);
  } while (r < 0 && errno == EAGAIN);
  return static_cast<int>(r);
}

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (fd >= 0) ::close(fd);
    fd = o.fd;
    o.fd = -1;
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void SplitParent(const std::string& rel, std::string* parent, std::string* leaf) {
  size_t s = rel.find_last_of('/');
  if (s == std::string::npos) {
    *parent = ".";
    *leaf = rel;
  } else {
    *parent = rel.substr(0, s);
    *leaf = rel.substr(s + 1);
  }
}

Status Refused(const std::string& path, int err) {
  if (err == EXDEV || err == ELOOP)
    return Status::Corruption("refused path in stream that leaves the copy through a symlink: '" +
                              path + "'");
  return Status::FromErrno("open " + path, err);
}

Result<Fd> OpenParent(int stage_fd, const std::string& rel, std::string* leaf) {
  std::string parent;
  SplitParent(rel, &parent, leaf);
  int fd = OpenBeneath(stage_fd, parent, O_PATH | O_DIRECTORY, 0);
  if (fd < 0) return Refused(rel, errno);
  return Fd(fd);
}

Status HashFd(int fd, uint64_t n, Digester* dig, const std::string& path) {
  std::vector<char> buf(1 << 20);
  uint64_t off = 0;
  while (off < n) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), n - off));
    ssize_t r = ::pread(fd, buf.data(), want, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::FromErrno("read " + path, errno);
    if (r == 0) return Status::IOError("read " + path + ": shorter than expected");
    dig->Update(std::string_view(buf.data(), static_cast<size_t>(r)));
    off += static_cast<uint64_t>(r);
  }
  return Status::OK();
}

Status WriteFull(int fd, std::string_view d, uint64_t off, const std::string& path) {
  while (!d.empty()) {
    ssize_t w = ::pwrite(fd, d.data(), d.size(), static_cast<off_t>(off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::FromErrno("write " + path, errno);
    d.remove_prefix(static_cast<size_t>(w));
    off += static_cast<uint64_t>(w);
  }
  return Status::OK();
}

timespec ToTimespec(int64_t ns) {
  timespec t;
  t.tv_sec = ns / 1000000000;
  t.tv_nsec = ns % 1000000000;
  return t;
}

// A child process fed through a pipe (the stream command).
struct Child {
  pid_t pid = -1;
  int in = -1;
  Status Start(const std::vector<std::string>& argv, const std::string& cwd) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
    pid = ::fork();
    if (pid < 0) return Status::FromErrno("fork", errno);
    if (pid == 0) {
      ::dup2(p[0], 0);
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      ::execvp(a[0], a.data());
      ::_exit(127);
    }
    ::close(p[0]);
    in = p[1];
    return Status::OK();
  }
  Status Finish(const std::string& what) {
    if (in >= 0) ::close(in);
    in = -1;
    if (pid < 0) return Status::OK();
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::OK();
    return Status::IOError(what + " failed (exit status " +
                           std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)) +
                           ")");
  }
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      (void)Finish("");
    }
  }
};

// A file written and verified in stream, to re-read from disk (--checksum).
struct Written {
  std::string path;
  uint64_t size;
  std::string digest;
};

// Re-reads big files on a thread of its own while the stream goes on, so the
// disk reads overlap the transfer instead of following it. `check` does one
// file. Finish() waits for the queue and gives the first failure; the
// destructor abandons what is left.
class EarlyVerifier {
 public:
  using Check = std::function<Status(const Written&)>;
  explicit EarlyVerifier(Check check) : check_(std::move(check)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~EarlyVerifier() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Add(Written w) {
    std::lock_guard l(mu_);
    queue_.push_back(std::move(w));
    cv_.notify_all();
  }
  Status Finish() {
    std::unique_lock l(mu_);
    done_cv_.wait(l, [&] { return (queue_.empty() && !busy_) || !status_.ok(); });
    return status_;
  }

 private:
  void Run() {
    std::unique_lock l(mu_);
    while (true) {
      cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      Written w = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      l.unlock();
      Status st = check_(w);
      l.lock();
      busy_ = false;
      if (!st.ok() && status_.ok()) status_ = st;
      done_cv_.notify_all();
    }
  }
  Check check_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<Written> queue_;
  bool stop_ = false, busy_ = false;
  Status status_;
  std::thread thread_;
};

}  // namespace

Receiver::Receiver(ReceiverOptions opts) : opts_(std::move(opts)) {}
Receiver::~Receiver() {
  if (stage_fd_ >= 0) ::close(stage_fd_);
}

std::string Receiver::staging_dir() const {
  return opts_.dir + "/." + opts_.name + ".dwtx-partial";
}
std::string Receiver::final_path() const { return opts_.dir + "/" + opts_.name; }

Status Receiver::Prepare() {
  std::string st = staging_dir();
  struct stat sb;
  if (::lstat(st.c_str(), &sb) == 0) {
    int fd = ::open(st.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return Status::FromErrno("open " + st, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return Status::AlreadyExists("another transfer is writing " + st);
    }
    if (!opts_.resume) {
      LogWarn("transfer: removing a stale partial copy {}", st);
      ::close(fd);
      std::error_code ec;
      std::filesystem::remove_all(st, ec);
      if (ec) return Status::IOError("remove " + st + ": " + ec.message());
    } else {
      stage_fd_ = fd;
    }
  }
  if (stage_fd_ < 0) {
    if (::mkdir(st.c_str(), 0700) != 0) return Status::FromErrno("create " + st, errno);
    stage_fd_ = ::open(st.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (stage_fd_ < 0) return Status::FromErrno("open " + st, errno);
    if (::flock(stage_fd_, LOCK_EX | LOCK_NB) != 0)
      return Status::AlreadyExists("another transfer is writing " + st);
  }
  prepared_ = true;
  // The resume scan: complete files from the state log, partial ones by size.
  if (opts_.resume) {
    std::map<std::string, std::pair<uint64_t, std::string>> complete;
    int lf = ::openat(stage_fd_, kStateLog, O_RDONLY | O_CLOEXEC);
    if (lf >= 0) {
      std::string text;
      char b[65536];
      ssize_t n;
      while ((n = ::read(lf, b, sizeof b)) > 0) text.append(b, static_cast<size_t>(n));
      ::close(lf);
      size_t pos = 0;
      while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) break;  // a torn last line is ignored
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
        if (t1 == std::string::npos || t2 == std::string::npos) continue;
        auto p = HexDecode(line.substr(0, t1));
        auto d = HexDecode(line.substr(t2 + 1));
        if (!p.ok() || !d.ok()) continue;
        complete[*p] = {std::stoull(line.substr(t1 + 1, t2 - t1 - 1)), *d};
      }
    }
    std::error_code ec;
    std::filesystem::path base(st);
    if (std::filesystem::exists(base / opts_.name, ec)) {
      std::vector<std::filesystem::path> files;
      if (std::filesystem::is_regular_file(std::filesystem::symlink_status(base / opts_.name)))
        files.push_back(base / opts_.name);
      else
        for (auto it = std::filesystem::recursive_directory_iterator(base / opts_.name, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
          if (it->is_regular_file() && !it->is_symlink()) files.push_back(it->path());
      for (const auto& f : files) {
        std::string rel = std::filesystem::relative(f, base).string();
        struct stat fs;
        if (::stat(f.c_str(), &fs) != 0) continue;
        uint64_t size = static_cast<uint64_t>(fs.st_size);
        auto c = complete.find(rel);
        if (c != complete.end() && c->second.first == size) {
          have_[rel] = {size, c->second.second, true};
          continue;
        }
        int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) continue;
        auto dig = Digester::New(opts_.digest);
        Status s = HashFd(fd, size, dig.get(), f.string());
        ::close(fd);
        if (s.ok()) have_[rel] = {size, dig->Digest(), false};
      }
      LogInfo("transfer: resuming into {}: {} files already present", st, have_.size());
    }
  }
  return Status::OK();
}

void Receiver::Cleanup(bool success) {
  if (!prepared_) return;
  if (!success && opts_.resume) {
    LogInfo("transfer: partial copy kept in {} for --resume", staging_dir());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(staging_dir(), ec);
  if (ec) LogWarn("transfer: could not remove {}: {}", staging_dir(), ec.message());
}

Status Receiver::SendResumeState(FrameConn* conn) {
  ResumeState rs;
  size_t bytes = 0;
  for (const auto& [path, h] : have_) {
    rs.files.push_back({path, h.size, h.complete, h.digest});
    bytes += path.size() + 64;
    if (bytes > kMaxFrameBody / 2) {
      rs.last = false;
      DW_RETURN_IF_ERROR(conn->WriteFrame(rs));
      rs.files.clear();
      bytes = 0;
    }
  }
  rs.last = true;
  return conn->WriteFrame(rs);
}

Status Receiver::Run(FrameConn* conn, const Session& session) {
  if (opts_.encrypt) {
    conn->SetRecvCipher(FrameCipher(DataKey(opts_.key)));
    conn->SetSendCipher(FrameCipher(BackKey(opts_.key, session.nonce_r, session.nonce_s)));
  }
  Status s = SendResumeState(conn);
  if (s.ok()) s = Receive(conn);
  ResultFrame r{s.ok(), s.ok() ? "" : s.ToString()};
  Status ws = conn->WriteFrame(r);
  if (s.ok() && !ws.ok()) LogWarn("transfer: could not confirm to the sender: {}", ws.ToString());
  return s;
}

Status Receiver::Receive(FrameConn* conn) {
  // Frames are read, opened and decompressed ahead by other threads while this
  // one hashes and writes.
  FrameReader reader(conn);
  DW_ASSIGN_OR_RETURN(Frame first, reader.Next());
  auto* hdr = std::get_if<Header>(&first);
  if (hdr == nullptr) return Status::Corruption("stream does not start with a header");
  if (hdr->version != kProtocolVersion)
    return Status::NotSupported("stream version " + std::to_string(hdr->version));
  DW_RETURN_IF_ERROR(ValidateRootName(hdr->root));
  if (hdr->root != opts_.name)
    return Status::Corruption("stream root '" + hdr->root + "' is not the expected '" + opts_.name +
                              "'");
  DigestAlgo algo = hdr->digest;
  const bool streaming = !opts_.stream_command.empty();
  int log_fd = ::openat(stage_fd_, kStateLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Status::FromErrno("create " + staging_dir() + "/" + kStateLog, errno);
  Fd log_guard(log_fd);

  struct DirMeta {
    std::string path;
    Entry e;
  };
  std::vector<DirMeta> dirs;
  std::vector<Written> written;  // small files to re-read with --checksum, at the end
  // One file read back from disk: with `sync`, flushed first (big files,
  // verified during the stream; the small ones after one syncfs at the end).
  auto read_back = [this, algo](const Written& w, bool sync) -> Status {
    if (aborted_) return Status::Aborted("transfer aborted");
    int fd = OpenBeneath(stage_fd_, w.path, O_RDONLY, 0);
    if (fd < 0) return Refused(w.path, errno);
    Fd g(fd);
    if (sync && ::fdatasync(fd) != 0) return Status::FromErrno("sync " + w.path, errno);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);  // read the disk, not the page cache
    auto again = Digester::New(algo);
    DW_RETURN_IF_ERROR(HashFd(fd, w.size, again.get(), w.path));
    if (!SecretEquals(again->Digest(), w.digest))
      return Status::IOError("written file " + w.path +
                             " reads back different from the source (disk error)");
    return Status::OK();
  };
  EarlyVerifier early([&read_back](const Written& w) { return read_back(w, true); });
  bool root_seen = false;
  uint64_t entries = 0;

  // The entry being received.
  Fd file;
  Child child;
  std::string cur_path;
  Entry cur;
  bool in_file = false;
  uint64_t expect = 0, keep = 0;
  uint64_t flushed = 0;  // writeback started up to here
  std::unique_ptr<Digester> dig;

  while (true) {
    if (aborted_) return Status::Aborted("transfer aborted");
    DW_ASSIGN_OR_RETURN(Frame f, reader.Next());
    if (auto* e = std::get_if<Entry>(&f)) {
      if (in_file) return Status::Corruption("entry before the end of " + cur_path);
      DW_RETURN_IF_ERROR(ValidateStreamPath(e->path, opts_.name));
      if (!root_seen && e->path != opts_.name)
        return Status::Corruption("first entry is not the root '" + opts_.name + "'");
      root_seen = true;
      ++entries;
      const std::string& p = e->path;
      std::string leaf;
      if (e->type == EntryType::kStream) {
        if (!streaming) return Status::Corruption("unexpected byte stream entry");
        if (::mkdirat(stage_fd_, opts_.name.c_str(), 0700) != 0 && errno != EEXIST)
          return Status::FromErrno("create " + staging_dir() + "/" + opts_.name, errno);
        DW_RETURN_IF_ERROR(child.Start(opts_.stream_command, staging_dir() + "/" + opts_.name));
        cur = *e;
        cur_path = p;
        in_file = true;
        expect = keep = 0;
        dig = Digester::New(algo);
        continue;
      }
      if (streaming) return Status::Corruption("expected a byte stream entry");
      DW_ASSIGN_OR_RETURN(Fd parent, OpenParent(stage_fd_, p, &leaf));
      if (e->type == EntryType::kDir) {
        if (::mkdirat(parent.fd, leaf.c_str(), 0700) != 0) {
          struct stat sb;
          if (errno != EEXIST ||
              ::fstatat(parent.fd, leaf.c_str(), &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
              !S_ISDIR(sb.st_mode))
            return Status::FromErrno("create directory " + p, errno == 0 ? EEXIST : errno);
        }
        dirs.push_back({p, *e});
      } else if (e->type == EntryType::kSymlink) {
        ::unlinkat(parent.fd, leaf.c_str(), 0);
        if (::symlinkat(e->link_target.c_str(), parent.fd, leaf.c_str()) != 0)
          return Status::FromErrno("create symlink " + p, errno);
        if (opts_.set_owner)
          ::fchownat(parent.fd, leaf.c_str(), e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
        timespec ts[2] = {ToTimespec(e->mtime_ns), ToTimespec(e->mtime_ns)};
        ::utimensat(parent.fd, leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW);
      } else {
        int fd = OpenBeneath(stage_fd_, p, O_RDWR | O_CREAT, 0600);
        if (fd < 0) return Refused(p, errno);
        file = Fd(fd);
        struct stat sb;
        if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
          return Status::Corruption("refused: " + p + " is not a regular file");
        // Resume: keep a prefix the sender verified, else start over.
        keep = 0;
        auto h = have_.find(p);
        if (h != have_.end()) {
          for (const Checkpoint& c : e->checkpoints)
            if (c.offset == h->second.size && c.digest == h->second.digest) keep = c.offset;
        }
        if (keep < e->start)
          return Status::Corruption("sender skipped bytes of " + p + " this target lacks");
        if (keep == 0 && sb.st_size > 0 && ::ftruncate(fd, 0) != 0)
          return Status::FromErrno("truncate " + p, errno);
        dig = Digester::New(algo);
        if (keep > 0) DW_RETURN_IF_ERROR(HashFd(fd, keep, dig.get(), p));
        if (keep == 0 && e->size > 0) ::posix_fallocate(fd, 0, 0);  // no-op; holes stay holes
        cur = *e;
        cur_path = p;
        in_file = true;
        expect = e->start;
        flushed = expect;
        bytes_ += keep;
      }
      continue;
    }
    if (auto* d = std::get_if<Data>(&f)) {
      if (!in_file) return Status::Corruption("data outside a file");
      if (d->offset != expect) return Status::Corruption("data out of order in " + cur_path);
      if (!streaming && d->offset + d->raw_len > cur.size)
        return Status::Corruption("data beyond the size of " + cur_path);
      DW_RETURN_IF_ERROR(DecompressData(d));  // done by the reader: a no-op here
      const std::string& raw = d->bytes;
      expect += d->raw_len;
      if (expect <= keep) continue;
      uint64_t skip = d->offset < keep ? keep - d->offset : 0;
      std::string_view part(raw.data() + skip, raw.size() - skip);
      dig->Update(part);
      if (streaming) {
        std::string_view rest = part;
        while (!rest.empty()) {
          ssize_t w = ::write(child.in, rest.data(), rest.size());
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) return Status::IOError(opts_.stream_command[0] + " stopped reading its input");
          rest.remove_prefix(static_cast<size_t>(w));
        }
      } else {
        DW_RETURN_IF_ERROR(WriteFull(file.fd, part, d->offset + skip, cur_path));
        // Start writeback as the data arrives, so that the syncfs before
        // publishing finds little left to write (the disk works during the
        // transfer, not after it).
        if (expect - flushed >= kWritebackChunk) {
          ::sync_file_range(file.fd, static_cast<off_t>(flushed),
                            static_cast<off_t>(expect - flushed), SYNC_FILE_RANGE_WRITE);
          flushed = expect;
        }
      }
      bytes_ += part.size();
      continue;
    }
    if (auto* h = std::get_if<Hole>(&f)) {
      if (!in_file || streaming) return Status::Corruption("hole outside a file");
      if (h->offset != expect || h->offset + h->length > cur.size)
        return Status::Corruption("bad hole in " + cur_path);
      expect += h->length;
      if (expect <= keep) continue;
      uint64_t n = expect - std::max(keep, h->offset);
      dig->Zeros(n);
      bytes_ += n;
      continue;
    }
    if (auto* fe = std::get_if<FileEnd>(&f)) {
      if (!in_file) return Status::Corruption("file end outside a file");
      in_file = false;
      if (streaming) {
        if (!SecretEquals(dig->Digest(), fe->digest))
          return Status::Corruption("digest mismatch for " + cur_path +
                                    ": the stream was corrupted in transit");
        DW_RETURN_IF_ERROR(child.Finish(opts_.stream_command[0]));
        continue;
      }
      if (expect != cur.size) return Status::Corruption("short data for " + cur_path);
      if (::ftruncate(file.fd, static_cast<off_t>(cur.size)) != 0)
        return Status::FromErrno("truncate " + cur_path, errno);
      if (!SecretEquals(dig->Digest(), fe->digest))
        return Status::Corruption("digest mismatch for " + cur_path +
                                  ": the data was corrupted in transit");
      // --checksum: re-read after one syncfs at the end (an fsync per file
      // would cost more than the copy for thousands of small files).
      const bool big = cur.size >= kEarlyVerifySize;
      if (::fchmod(file.fd, cur.mode) != 0) return Status::FromErrno("chmod " + cur_path, errno);
      if (opts_.set_owner && ::fchown(file.fd, cur.uid, cur.gid) != 0)
        return Status::FromErrno("chown " + cur_path, errno);
      timespec ts[2] = {ToTimespec(cur.mtime_ns), ToTimespec(cur.mtime_ns)};
      ::futimens(file.fd, ts);
      if (expect > flushed)
        ::sync_file_range(file.fd, static_cast<off_t>(flushed),
                          static_cast<off_t>(expect - flushed), SYNC_FILE_RANGE_WRITE);
      file = Fd();
      if (opts_.verify_after) {
        if (big)
          early.Add({cur_path, cur.size, fe->digest});
        else
          written.push_back({cur_path, cur.size, fe->digest});
      }
      std::string line = HexEncode(cur_path) + "\t" + std::to_string(cur.size) + "\t" +
                         HexEncode(fe->digest) + "\n";
      if (::write(log_fd, line.data(), line.size()) < 0)
        return Status::FromErrno("write " + staging_dir() + "/" + kStateLog, errno);
      continue;
    }
    if (auto* end = std::get_if<End>(&f)) {
      if (in_file) return Status::Corruption("stream ended inside " + cur_path);
      if (end->entries != entries) return Status::Corruption("stream entry count mismatch");
      break;
    }
    return Status::Corruption("unexpected frame in stream");
  }
  if (!root_seen) return Status::Corruption("empty stream");
  // Directory metadata, deepest first (children changed their mtimes).
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    int fd = OpenBeneath(stage_fd_, it->path, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) return Refused(it->path, errno);
    Fd g(fd);
    if (::fchmod(fd, it->e.mode) != 0) return Status::FromErrno("chmod " + it->path, errno);
    if (opts_.set_owner && ::fchown(fd, it->e.uid, it->e.gid) != 0)
      return Status::FromErrno("chown " + it->path, errno);
    timespec ts[2] = {ToTimespec(it->e.mtime_ns), ToTimespec(it->e.mtime_ns)};
    ::futimens(fd, ts);
  }
  if (::syncfs(stage_fd_) != 0) return Status::FromErrno("sync " + staging_dir(), errno);
  // Re-read the small files with a few threads: they are bound by disk
  // latency, and several reads in flight keep the device busy.
  std::atomic<size_t> next{0};
  std::mutex verify_mu;
  Status verify_status;
  auto verify = [&] {
    while (true) {
      size_t i = next++;
      if (i >= written.size() || aborted_) return;
      Status st = read_back(written[i], false);
      if (!st.ok()) {
        std::lock_guard l(verify_mu);
        if (verify_status.ok()) verify_status = st;
        next = written.size();
        return;
      }
    }
  };
  std::vector<std::thread> verifiers;
  for (int i = 0; i < 8; ++i) verifiers.emplace_back(verify);
  for (auto& t : verifiers) t.join();
  if (aborted_) return Status::Aborted("transfer aborted");
  DW_RETURN_IF_ERROR(verify_status);
  DW_RETURN_IF_ERROR(early.Finish());
  if (streaming && !opts_.after_command.empty()) DW_RETURN_IF_ERROR(RunAfterCommand());
  // Publish: atomic renames into DIR (never over an entry unless --force),
  // then DIR's fsync so that they survive a crash.
  Env* env = opts_.env ? opts_.env : Env::Default();
  std::string from = staging_dir() + "/" + opts_.name;
  if (streaming) {
    // Stream types unpack into the (empty) target directory itself.
    std::error_code ec;
    for (auto& child_entry : std::filesystem::directory_iterator(from, ec)) {
      std::string to = opts_.dir + "/" + child_entry.path().filename().string();
      DW_RETURN_IF_ERROR(env->RenameFile(child_entry.path().string(), to, /*replace=*/false));
    }
    if (ec) return Status::IOError("list " + from + ": " + ec.message());
  } else {
    std::string to = final_path();
    Status rs = env->RenameFile(from, to, /*replace=*/false);
    if (rs.IsAlreadyExists() && opts_.force) {
      std::string old = staging_dir() + "/old";
      DW_RETURN_IF_ERROR(env->RenameFile(to, old, /*replace=*/false).WithContext("move aside"));
      rs = env->RenameFile(from, to, /*replace=*/false);
      if (rs.ok())
        LogInfo("transfer: replaced existing {} (--force)", to);
      else if (Status back = env->RenameFile(old, to, /*replace=*/false); !back.ok())
        LogError("transfer: could not put the old {} back (it is in {}): {}", to, old,
                 back.ToString());
    }
    DW_RETURN_IF_ERROR(rs);
  }
  DW_RETURN_IF_ERROR(env->SyncDir(opts_.dir));
  return Status::OK();
}

Status Receiver::RunAfterCommand() {
  const std::string what =
      opts_.after_command[0] +
      (opts_.after_command.size() > 1 ? " " + opts_.after_command[1] : std::string());
  const std::string cwd = staging_dir() + "/" + opts_.name;
  const std::string log = staging_dir() + "/after-command.log";
  LogInfo("transfer: running {} in the copy", what);
  auto start = std::chrono::steady_clock::now();
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return Status::FromErrno("create " + log, errno);
  // argv before fork: the child of a threaded process must not allocate.
  std::vector<char*> a;
  for (const auto& arg : opts_.after_command) a.push_back(const_cast<char*>(arg.c_str()));
  a.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    return Status::FromErrno("fork", errno);
  }
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  ::close(out);
  int st = 0;
  bool killed = false;
  while (true) {
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return Status::FromErrno("wait for " + what, errno);
    if (aborted_ && !killed) {
      ::kill(pid, SIGTERM);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (killed) return Status::Aborted("transfer aborted during " + what);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    LogInfo("transfer: {} succeeded in {:.1f} s", what, s);
    return Status::OK();
  }
  // Its last non-empty output line says why.
  std::string last;
  int fd = ::open(log.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat sb;
    if (::fstat(fd, &sb) == 0) {
      off_t from = std::max<off_t>(0, sb.st_size - 4096);
      std::string tail(static_cast<size_t>(sb.st_size - from), '\0');
      ssize_t n = ::pread(fd, tail.data(), tail.size(), from);
      tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
      while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
      size_t nl = tail.find_last_of('\n');
      last = nl == std::string::npos ? tail : tail.substr(nl + 1);
    }
    ::close(fd);
  }
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (code == 127) return Status::NotFound(what + ": " + opts_.after_command[0] + " not found");
  return Status::IOError(what + " failed (exit status " + std::to_string(code) + ")" +
                         (last.empty() ? std::string() : ": " + last));
}

}  // namespace dw::transfer
