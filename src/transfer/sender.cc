#include "transfer/sender.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <utility>

#include "base/log.h"
#include "transfer/digest.h"

namespace dw::transfer {
namespace {

Entry EntryFromStat(const std::string& rel, const struct stat& st) {
  Entry e;
  e.path = rel;
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (S_ISDIR(st.st_mode)) {
    e.type = EntryType::kDir;
  } else if (S_ISLNK(st.st_mode)) {
    e.type = EntryType::kSymlink;
  } else {
    e.type = EntryType::kFile;
    e.size = static_cast<uint64_t>(st.st_size);
  }
  return e;
}

Status Walk(const std::string& abs, const std::string& rel, std::vector<SourceEntry>* out) {
  struct stat st;
  if (::lstat(abs.c_str(), &st) != 0) return Status::FromErrno("stat " + abs, errno);
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    LogWarn("transfer: skipping {} (not a file, directory or symlink)", abs);
    return Status::OK();
  }
  SourceEntry se{abs, EntryFromStat(rel, st)};
  if (S_ISLNK(st.st_mode)) {
    std::string target(4096, '\0');
    ssize_t n = ::readlink(abs.c_str(), target.data(), target.size());
    if (n < 0) return Status::FromErrno("readlink " + abs, errno);
    target.resize(static_cast<size_t>(n));
    se.entry.link_target = target;
  } else if (S_ISREG(st.st_mode)) {
    if (::access(abs.c_str(), R_OK) != 0) return Status::FromErrno("read " + abs, errno);
  }
  out->push_back(std::move(se));
  if (!S_ISDIR(st.st_mode)) return Status::OK();
  DIR* d = ::opendir(abs.c_str());
  if (d == nullptr) return Status::FromErrno("open directory " + abs, errno);
  std::vector<std::string> names;
  while (dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) DW_RETURN_IF_ERROR(Walk(abs + "/" + n, rel + "/" + n, out));
  return Status::OK();
}

// A unit of work: consecutive frames to encode, compress (Data) and seal, in
// stream order. Small frames are batched so that thousands of small files do
// not cost a thread hand-off each.
struct Job {
  uint64_t seq = 0;    // of the first frame
  uint64_t count = 0;  // frames
  std::vector<Frame> frames;
  uint64_t raw = 0;  // content bytes it carries (progress)
  // The result, in order: small frames packed together, each big block in a
  // buffer of its own (written with one gathering send, never concatenated).
  std::vector<std::string> wire;
  uint64_t wire_bytes = 0;
  Status status;
  bool done = false;
};

// Reads data/hole extents of an open file in [from, size).
struct Extent {
  uint64_t off, len;
  bool hole;
};
std::vector<Extent> Extents(int fd, uint64_t from, uint64_t size) {
  std::vector<Extent> out;
  uint64_t pos = from;
  while (pos < size) {
    off_t data = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
    if (data < 0) {  // ENXIO: only a hole up to the end; other errors: treat as data
      if (errno == ENXIO) {
        out.push_back({pos, size - pos, true});
      } else {
        out.push_back({pos, size - pos, false});
      }
      break;
    }
    uint64_t d = std::min<uint64_t>(static_cast<uint64_t>(data), size);
    if (d > pos) out.push_back({pos, d - pos, true});
    if (d >= size) break;
    off_t hole = ::lseek(fd, static_cast<off_t>(d), SEEK_HOLE);
    uint64_t h = hole < 0 ? size : std::min<uint64_t>(static_cast<uint64_t>(hole), size);
    out.push_back({d, h - d, false});
    pos = h;
  }
  // Small holes are not worth a frame; only holes of at least a block stay holes.
  std::vector<Extent> merged;
  for (Extent e : out) {
    if (e.hole && e.len < 65536) e.hole = false;
    if (!merged.empty() && merged.back().hole == e.hole && !e.hole) {
      merged.back().len += e.len;
    } else {
      merged.push_back(e);
    }
  }
  return merged;
}

Status PreadFull(int fd, char* buf, size_t n, uint64_t off, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read " + path, errno);
    }
    if (r == 0) return Status::IOError("read " + path + ": file shrank during the transfer");
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

// Compresses `raw` into *out (its contents are replaced).
Status Compress(Codec codec, int level, std::string_view raw, std::string* out) {
  if (codec == Codec::kZstd) {
    // One context per thread, freed when the thread ends.
    struct FreeCCtx {
      void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
    };
    thread_local std::unique_ptr<ZSTD_CCtx, FreeCCtx> owned(ZSTD_createCCtx());
    ZSTD_CCtx* cctx = owned.get();
    out->resize(ZSTD_compressBound(raw.size()));
    size_t n = ZSTD_compressCCtx(cctx, out->data(), out->size(), raw.data(), raw.size(), level);
    if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
    out->resize(n);
  } else {
    uLongf n = compressBound(static_cast<uLong>(raw.size()));
    out->resize(n);
    if (compress2(reinterpret_cast<Bytef*>(out->data()), &n,
                  reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                  std::clamp(level, 1, 9)) != Z_OK)
      return Status::IOError("zlib compression failed");
    out->resize(n);
  }
  return Status::OK();
}

// Block buffers for reuse: a recycled buffer needs no page faults, and
// resizing it down to a block does not zero-fill it (std::string::resize does
// for new bytes).
class BufferPool {
 public:
  explicit BufferPool(size_t max) : max_(max) {}
  // A buffer of size n (contents unspecified).
  std::string Get(size_t n) {
    std::string b;
    {
      std::lock_guard l(mu_);
      if (!free_.empty()) {
        b = std::move(free_.back());
        free_.pop_back();
      }
    }
    b.resize(n);
    return b;
  }
  void Put(std::string b) {
    if (b.size() < kBlockSize / 2) return;  // a small one would be zero-filled when grown
    std::lock_guard l(mu_);
    if (free_.size() < max_) free_.push_back(std::move(b));
  }

 private:
  std::mutex mu_;
  std::vector<std::string> free_;
  size_t max_;
};

void PutLength(char* p, size_t n) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((n >> (8 * (3 - i))) & 0xff);
}

// The ordered, bounded work pipeline: Push() in order, workers transform, the
// writer takes finished jobs in order.
class Pipeline {
 public:
  Pipeline(const SenderOptions& o, size_t workers)
      : opts_(o), cipher_(DataKey(o.key)), pool_(workers * 8 + 8) {
    cap_ = workers * 4 + 2;
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~Pipeline() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  // Adds a frame to the current batch; false if the pipeline was cancelled.
  bool Push(Frame f, uint64_t raw) {
    size_t bytes = 64;
    if (auto* d = std::get_if<Data>(&f)) bytes += d->bytes.size();
    if (!batch_) batch_ = std::make_shared<Job>();
    batch_->frames.push_back(std::move(f));
    batch_->raw += raw;
    batch_bytes_ += bytes;
    if (batch_bytes_ >= kBatchBytes || batch_->frames.size() >= kBatchFrames) return Flush();
    return true;
  }
  // Hands the current batch to the workers.
  bool Flush() {
    if (!batch_) return true;
    auto job = std::move(batch_);
    batch_.reset();
    batch_bytes_ = 0;
    std::unique_lock l(mu_);
    space_cv_.wait(l, [&] { return order_.size() < cap_ || cancelled_; });
    if (cancelled_) return false;
    job->seq = next_seq_;
    job->count = job->frames.size();
    next_seq_ += job->count;
    order_.push_back(job);
    todo_.push_back(job);
    cv_.notify_one();
    return true;
  }
  void Finish() {
    (void)Flush();
    std::lock_guard l(mu_);
    finished_ = true;
    done_cv_.notify_all();
  }
  void Cancel() {
    std::lock_guard l(mu_);
    cancelled_ = true;
    space_cv_.notify_all();
    done_cv_.notify_all();
  }
  // The next job in order, or null at the end.
  std::shared_ptr<Job> Next() {
    std::unique_lock l(mu_);
    done_cv_.wait(l, [&] {
      return cancelled_ || (!order_.empty() && order_.front()->done) ||
             (finished_ && order_.empty());
    });
    if (cancelled_ || order_.empty()) return nullptr;
    auto j = order_.front();
    order_.pop_front();
    space_cv_.notify_one();
    return j;
  }

 private:
  void Work() {
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return stop_ || !todo_.empty(); });
        if (stop_) return;
        job = todo_.front();
        todo_.pop_front();
      }
      Transform(job.get());
      {
        std::lock_guard l(mu_);
        job->done = true;
      }
      done_cv_.notify_all();
    }
  }
  void Transform(Job* job) {
    uint64_t seq = job->seq;
    std::string small;  // small frames, packed
    auto flush_small = [&] {
      if (small.empty()) return;
      job->wire_bytes += small.size();
      job->wire.push_back(std::move(small));
      small.clear();
    };
    // Appends one frame (length prefix + body) whose plaintext is the
    // concatenation of `plain`; a big one goes in a buffer of its own.
    auto emit = [&](std::initializer_list<std::string_view> plain) -> Status {
      size_t n = 0;
      for (std::string_view p : plain) n += p.size();
      size_t body = n + (opts_.encrypt ? kTagSize : 0);
      bool big = body >= kBigFrame;
      std::string big_buf;
      if (big) big_buf = pool_.Get(4 + body);
      std::string& out = big ? big_buf : small;
      size_t at = big ? 0 : out.size();
      if (!big) out.resize(at + 4 + body);
      PutLength(out.data() + at, body);
      if (opts_.encrypt) {
        DW_RETURN_IF_ERROR(
            cipher_.SealTo(seq, std::span<const std::string_view>(plain.begin(), plain.size()),
                           out.data() + at + 4));
      } else {
        char* o = out.data() + at + 4;
        for (std::string_view p : plain) {
          std::memcpy(o, p.data(), p.size());
          o += p.size();
        }
      }
      ++seq;
      if (big) {
        flush_small();
        job->wire_bytes += big_buf.size();
        job->wire.push_back(std::move(big_buf));
      }
      return Status::OK();
    };
    for (Frame& frame : job->frames) {
      Status st;
      if (auto* d = std::get_if<Data>(&frame)) {
        if (opts_.codec != Codec::kNone) {
          std::string c = pool_.Get(ZSTD_compressBound(d->bytes.size()));
          Status cs = Compress(opts_.codec, opts_.level, d->bytes, &c);
          if (!cs.ok()) {
            job->status = cs;
            return;
          }
          if (c.size() < d->bytes.size()) {
            pool_.Put(std::exchange(d->bytes, std::move(c)));
            d->codec = opts_.codec;
          } else {
            pool_.Put(std::move(c));
          }
        }
        std::string head = EncodeDataHead(*d);
        if (!opts_.encrypt && d->bytes.size() >= kBigFrame) {
          // Unsealed big block: its buffer goes to the socket as it is.
          size_t at = small.size();
          small.resize(at + 4);
          PutLength(small.data() + at, head.size() + d->bytes.size());
          small += head;
          flush_small();
          job->wire_bytes += d->bytes.size();
          job->wire.push_back(std::move(d->bytes));
          ++seq;
        } else {
          st = emit({head, d->bytes});
          if (d->bytes.size() >= kBlockSize / 2) pool_.Put(std::move(d->bytes));
        }
      } else {
        std::string plain = EncodeFrame(frame);
        st = emit({plain});
      }
      frame = End{};  // free the block early
      if (!st.ok()) {
        job->status = st;
        return;
      }
    }
    flush_small();
    job->frames.clear();
  }

 public:
  BufferPool& pool() { return pool_; }

 private:
  // Frames from this size on get a buffer of their own.
  static constexpr size_t kBigFrame = 64 << 10;
  static constexpr size_t kBatchBytes = 512 << 10;
  static constexpr size_t kBatchFrames = 1024;
  std::shared_ptr<Job> batch_;  // producer only
  size_t batch_bytes_ = 0;

  const SenderOptions& opts_;
  FrameCipher cipher_;
  BufferPool pool_;
  std::mutex mu_;
  std::condition_variable cv_, space_cv_, done_cv_;
  std::deque<std::shared_ptr<Job>> order_, todo_;
  std::vector<std::thread> threads_;
  size_t cap_;
  uint64_t next_seq_ = 0;
  bool stop_ = false, finished_ = false, cancelled_ = false;
};

// Per file: what each target already has, from their ResumeState frames.
using HaveMap = std::map<std::string, std::vector<std::pair<size_t, HaveFile>>>;

}  // namespace

Result<std::vector<SourceEntry>> WalkSource(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::string root =
      p.substr(p.find_last_of('/') == std::string::npos ? 0 : p.find_last_of('/') + 1);
  DW_RETURN_IF_ERROR(ValidateRootName(root));
  std::vector<SourceEntry> out;
  DW_RETURN_IF_ERROR(Walk(p, root, &out));
  return out;
}

void Sender::Abort() { aborted_ = true; }

Status Sender::Run(const std::string& root, const std::vector<SourceEntry>& entries,
                   const std::vector<std::unique_ptr<TargetConn>>& targets) {
  // 1. What each target already has (only non-empty with --resume).
  HaveMap have;
  for (size_t t = 0; t < targets.size(); ++t) {
    TargetConn& tc = *targets[t];
    if (opts_.encrypt)
      tc.conn->SetRecvCipher(
          FrameCipher(BackKey(opts_.key, tc.session.nonce_r, tc.session.nonce_s)));
    while (tc.status.ok()) {
      auto f = tc.conn->ReadFrame();
      if (!f.ok()) {
        tc.status = f.status().WithContext(tc.name);
        break;
      }
      auto* rs = std::get_if<ResumeState>(&*f);
      if (rs == nullptr) {
        tc.status = Status::Corruption(tc.name + ": expected the resume state");
        break;
      }
      for (HaveFile& h : rs->files) have[h.path].emplace_back(t, std::move(h));
      if (rs->last) break;
    }
  }
  auto live = [&] {
    size_t n = 0;
    for (auto& t : targets) n += t->status.ok();
    return n;
  };
  if (live() == 0) return Status::Unavailable("no target to send to");

  total_bytes_ = 0;
  for (const SourceEntry& e : entries) total_bytes_ += e.entry.size;

  size_t workers = opts_.threads > 0 ? static_cast<size_t>(opts_.threads)
                                     : std::max(1u, std::thread::hardware_concurrency());
  Pipeline pipe(opts_, workers);

  // 2. The writer: frames in order to every live target, throttled.
  std::thread writer([&] {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t wire_bytes = 0;
    while (auto job = pipe.Next()) {
      if (!job->status.ok()) {
        for (auto& t : targets)
          if (t->status.ok()) t->status = job->status;
        pipe.Cancel();
        break;
      }
      std::vector<std::string_view> parts(job->wire.begin(), job->wire.end());
      for (auto& t : targets) {
        if (!t->status.ok()) continue;
        Status s = t->conn->WriteWireV(parts, job->count);
        if (!s.ok()) {
          t->status = s.WithContext(t->name);
          LogWarn("transfer: target {} failed: {}", t->name, s.ToString());
          t->conn->socket().Shutdown();
          continue;
        }
        t->raw_sent += job->raw;
      }
      if (live() == 0 || aborted_) {
        pipe.Cancel();
        break;
      }
      wire_bytes += job->wire_bytes;
      for (std::string& b : job->wire) pipe.pool().Put(std::move(b));
      if (opts_.bwlimit > 0) {
        double due = static_cast<double>(wire_bytes) / static_cast<double>(opts_.bwlimit);
        double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (due > el) std::this_thread::sleep_for(std::chrono::duration<double>(due - el));
      }
    }
  });

  // 3. The producer (this thread).
  Status produce = [&]() -> Status {
    Header h;
    h.root = root;
    h.digest = opts_.digest;
    h.total_bytes = total_bytes_;
    h.entries = opts_.stream_fd >= 0 ? 1 : entries.size();
    if (!pipe.Push(h, 0)) return Status::Aborted("transfer cancelled");
    std::vector<char> buf(kBlockSize);
    if (opts_.stream_fd >= 0) {
      Entry e;
      e.type = EntryType::kStream;
      e.path = root;
      e.mode = 0600;
      if (!pipe.Push(e, 0)) return Status::Aborted("transfer cancelled");
      auto dig = Digester::New(opts_.digest);
      uint64_t off = 0;
      while (true) {
        if (aborted_) return Status::Aborted("transfer aborted");
        Data d;
        d.bytes = pipe.pool().Get(kBlockSize);
        ssize_t n = ::read(opts_.stream_fd, d.bytes.data(), d.bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status::FromErrno("read the backup stream", errno);
        if (n == 0) break;
        d.offset = off;
        d.raw_len = static_cast<uint32_t>(n);
        d.bytes.resize(static_cast<size_t>(n));
        dig->Update(d.bytes);
        off += static_cast<uint64_t>(n);
        total_bytes_ = off;
        if (!pipe.Push(std::move(d), static_cast<uint64_t>(n)))
          return Status::Aborted("transfer cancelled");
      }
      std::string digest = dig->Digest();
      if (opts_.on_file_digest) opts_.on_file_digest(root, off, digest);
      if (!pipe.Push(FileEnd{std::move(digest)}, 0)) return Status::Aborted("transfer cancelled");
      if (!pipe.Push(End{1, off}, 0)) return Status::Aborted("transfer cancelled");
      return Status::OK();
    }
    for (const SourceEntry& se : entries) {
      if (aborted_) return Status::Aborted("transfer aborted");
      Entry e = se.entry;
      if (!opts_.send_owner) e.uid = e.gid = 0;
      if (e.type != EntryType::kFile) {
        if (!pipe.Push(std::move(e), 0)) return Status::Aborted("transfer cancelled");
        continue;
      }
      int fd = ::open(se.abs_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0) return Status::FromErrno("open " + se.abs_path, errno);
      struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
      } closer{fd};
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      // Resume: verify each target's prefix, start at the smallest verified one.
      std::string full_digest;
      uint64_t start = 0;
      auto it = have.find(e.path);
      if (it != have.end()) {
        std::set<uint64_t> offsets;
        for (auto& [t, hf] : it->second)
          if (hf.size <= e.size) offsets.insert(hf.size);
        auto dig = Digester::New(opts_.digest);
        std::map<uint64_t, std::string> at;
        uint64_t pos = 0;
        if (offsets.count(0)) at[0] = dig->Digest();
        for (const Extent& x : Extents(fd, 0, e.size)) {
          for (uint64_t o = x.off; o < x.off + x.len;) {
            // Stop exactly at every checkpoint offset.
            uint64_t end = x.off + x.len;
            auto nx = offsets.upper_bound(o);
            if (nx != offsets.end() && *nx < end) end = *nx;
            uint64_t n = std::min<uint64_t>(end - o, kBlockSize);
            if (x.hole) {
              dig->Zeros(n);
            } else {
              DW_RETURN_IF_ERROR(PreadFull(fd, buf.data(), n, o, se.abs_path));
              dig->Update(std::string_view(buf.data(), n));
            }
            o += n;
            pos = o;
            if (offsets.count(pos)) at[pos] = dig->Digest();
          }
        }
        full_digest = dig->Digest();
        std::map<size_t, uint64_t> verified;
        for (auto& [t, hf] : it->second) {
          auto a = at.find(hf.size);
          if (a != at.end() && hf.size <= e.size && a->second == hf.digest) {
            verified[t] = hf.size;
            e.checkpoints.push_back({hf.size, hf.digest});
          }
        }
        start = e.size;
        for (size_t t = 0; t < targets.size(); ++t) {
          if (!targets[t]->status.ok()) continue;
          auto v = verified.find(t);
          start = std::min(start, v == verified.end() ? 0 : v->second);
        }
        e.start = start;
        if (start > 0) LogDebug("transfer: {}: resuming at byte {}", e.path, start);
      }
      uint64_t size = e.size;
      if (!pipe.Push(std::move(e), start)) return Status::Aborted("transfer cancelled");
      auto dig = full_digest.empty() ? Digester::New(opts_.digest) : nullptr;
      for (const Extent& x : Extents(fd, start, size)) {
        if (x.hole) {
          if (dig) dig->Zeros(x.len);
          if (!pipe.Push(Hole{x.off, x.len}, x.len)) return Status::Aborted("transfer cancelled");
          continue;
        }
        for (uint64_t o = x.off; o < x.off + x.len;) {
          if (aborted_) return Status::Aborted("transfer aborted");
          uint64_t n = std::min<uint64_t>(x.off + x.len - o, kBlockSize);
          Data d;
          d.offset = o;
          d.raw_len = static_cast<uint32_t>(n);
          // Small reads get a buffer of their own: resizing a recycled 1 MiB
          // block down and up again would zero-fill it.
          if (n >= kBlockSize / 2)
            d.bytes = pipe.pool().Get(n);
          else
            d.bytes.resize(n);
          DW_RETURN_IF_ERROR(PreadFull(fd, d.bytes.data(), n, o, se.abs_path));
          if (dig) dig->Update(d.bytes);
          o += n;
          if (!pipe.Push(std::move(d), n)) return Status::Aborted("transfer cancelled");
        }
      }
      if (dig) full_digest = dig->Digest();
      if (opts_.on_file_digest) opts_.on_file_digest(se.entry.path, size, full_digest);
      if (!pipe.Push(FileEnd{full_digest}, 0)) return Status::Aborted("transfer cancelled");
    }
    if (!pipe.Push(End{entries.size(), total_bytes_}, 0))
      return Status::Aborted("transfer cancelled");
    return Status::OK();
  }();
  if (!produce.ok()) {
    pipe.Cancel();
  } else {
    pipe.Finish();
  }
  writer.join();
  if (!produce.ok()) {
    for (auto& t : targets)
      if (t->status.ok()) t->status = produce;
    for (auto& t : targets) t->conn->socket().Shutdown();
    return produce;
  }
  // 4. Each target's verdict.
  for (auto& t : targets) {
    if (!t->status.ok()) continue;
    auto f = t->conn->ReadFrame();
    if (!f.ok()) {
      t->status = f.status().WithContext(t->name);
      continue;
    }
    auto* r = std::get_if<ResultFrame>(&*f);
    if (r == nullptr) {
      t->status = Status::Corruption(t->name + ": expected the result frame");
    } else if (!r->ok) {
      t->status = Status::IOError(r->message);
    }
  }
  return live() > 0 ? Status::OK() : Status::Unavailable("no target received the data");
}

}  // namespace dw::transfer
