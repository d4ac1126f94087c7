#include "stream/compress.h"

#include <bzlib.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "stream/bzip2_encoder.h"

namespace dw::stream {

namespace {
constexpr size_t kOutChunk = 256 * 1024;

int AllCores() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}
}  // namespace

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kBzip2:
      return "bzip2";
    case Compression::kZstd:
      return "zstd";
  }
  return "none";
}

const char* CompressionExtension(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "";
    case Compression::kGzip:
      return ".gz";
    case Compression::kBzip2:
      return ".bz2";
    case Compression::kZstd:
      return ".zst";
  }
  return "";
}

Compression CompressionFromPath(std::string_view path) {
  if (path.ends_with(".gz")) return Compression::kGzip;
  if (path.ends_with(".bz2")) return Compression::kBzip2;
  if (path.ends_with(".zst")) return Compression::kZstd;
  return Compression::kNone;
}

Result<std::unique_ptr<Sink>> NewCompressor(Compression c, Sink* next,
                                            const CompressOptions& opts) {
  int level = opts.level;
  switch (c) {
    case Compression::kNone:
      return std::unique_ptr<Sink>();
    case Compression::kGzip:
      if (level == 0) level = 6;
      if (level < 1 || level > 12)
        return Status::InvalidArgument("gzip level " + std::to_string(level) + " not in 1..12");
      return std::unique_ptr<Sink>(new ParallelGzipSink(next, level, opts.threads, opts.pool));
    case Compression::kBzip2:
      if (level == 0) level = 9;
      if (level < 1 || level > 9)
        return Status::InvalidArgument("bzip2 level " + std::to_string(level) + " not in 1..9");
      return std::unique_ptr<Sink>(new Bzip2Sink(next, level, opts.threads, opts.pool));
    case Compression::kZstd:
      if (level == 0) level = 3;
      if (level < 1 || level > ZSTD_maxCLevel())
        return Status::InvalidArgument("zstd level " + std::to_string(level) + " not in 1.." +
                                       std::to_string(ZSTD_maxCLevel()));
      return std::unique_ptr<Sink>(new ZstdSink(next, level, opts.threads));
  }
  return Status::InvalidArgument("unknown compression");
}

// ---------------------------------------------------------------- gzip

struct GzipSink::Impl {
  z_stream z{};
  bool init = false;
  int level;
  std::string out;
};

GzipSink::GzipSink(Sink* next, int level) : next_(next), impl_(std::make_unique<Impl>()) {
  impl_->level = level;
  impl_->out.resize(kOutChunk);
}

GzipSink::GzipSink(std::unique_ptr<Sink> next, int level) : GzipSink(next.get(), level) {
  owned_ = std::move(next);
}

GzipSink::~GzipSink() {
  if (impl_->init) deflateEnd(&impl_->z);
}

Status GzipSink::Deflate(std::string_view data, bool finish) {
  z_stream& z = impl_->z;
  if (!impl_->init) {
    // windowBits 15+16: a gzip wrapper; zlib writes mtime 0, no name (deterministic).
    if (deflateInit2(&z, impl_->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return Status::IOError("gzip: deflateInit2 failed (out of memory?)");
    impl_->init = true;
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(impl_->out.data());
    z.avail_out = static_cast<uInt>(impl_->out.size());
    int r = deflate(&z, finish ? Z_FINISH : Z_NO_FLUSH);
    if (r == Z_STREAM_ERROR) return Status::IOError("gzip: deflate failed");
    size_t have = impl_->out.size() - z.avail_out;
    if (have > 0) DW_RETURN_IF_ERROR(next_->Append(std::string_view(impl_->out.data(), have)));
    if (finish) {
      if (r == Z_STREAM_END) {
        deflateReset(&z);
        return Status::OK();
      }
    } else if (z.avail_in == 0 && z.avail_out != 0) {
      return Status::OK();
    }
  }
}

Status GzipSink::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (closed_) return status_ = Status::IOError("gzip: append after close");
  if (data.empty()) return Status::OK();
  // zlib takes at most 4 GiB per call.
  while (!data.empty()) {
    std::string_view piece = data.substr(0, 1u << 30);
    status_ = Deflate(piece, false);
    if (!status_.ok()) return status_;
    data.remove_prefix(piece.size());
    bytes_in_ += piece.size();
  }
  unit_open_ = true;
  return status_;
}

Status GzipSink::EndUnit(OffsetCallback on_next_offset) {
  if (!status_.ok()) return status_;
  if (unit_open_) {
    status_ = Deflate({}, true);
    if (!status_.ok()) return status_;
    unit_open_ = false;
    any_unit_ = true;
  }
  status_ = next_->EndUnit(std::move(on_next_offset));
  return status_;
}

Status GzipSink::Close() {
  if (closed_) return status_;
  closed_ = true;
  if (status_.ok() && (unit_open_ || !any_unit_)) status_ = Deflate({}, true);
  Status s = next_->Close();
  if (status_.ok()) status_ = s;
  return status_;
}

// ---------------------------------------------------------------- block-parallel (bzip2, gzip)

struct CompressPool::Impl {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> todo;
  bool stop = false;
  std::vector<std::thread> threads;

  void Work() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [this] { return stop || !todo.empty(); });
        if (todo.empty()) return;
        task = std::move(todo.front());
        todo.pop_front();
      }
      task();
    }
  }
};

CompressPool::CompressPool(int threads)
    : n_(threads > 0 ? threads : AllCores()), impl_(std::make_unique<Impl>()) {
  for (int i = 0; i < n_; ++i) impl_->threads.emplace_back([this] { impl_->Work(); });
}

CompressPool::~CompressPool() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  for (auto& t : impl_->threads) t.join();
}

void CompressPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->todo.push_back(std::move(task));
  }
  impl_->cv.notify_one();
}

namespace {

struct BlockJob {
  std::string in;
  std::string out;
  OffsetCallback cb;
  uint64_t in_size = 0;
  std::atomic<bool> claimed{false};  // a worker (or the helping caller) took it
  bool done = false;                 // guarded by State::mu
  Status status;
};

}  // namespace

// Per-sink state, shared with the tasks queued in the pool (a task may outlive
// an abandoned sink; it then finds its job claimed and does nothing).
struct BlockParallelSink::State {
  BlockFn compress;
  std::mutex mu;
  std::condition_variable done_cv;                // the caller waits for the oldest job
  std::deque<std::shared_ptr<BlockJob>> pending;  // submit order, caller only
  size_t max_in_flight = 2;
  // Buffers recycled between blocks (no page faults for fresh 1 MB buffers).
  std::vector<std::string> spare_in, spare_out;

  void Run(BlockJob& job) {
    {
      std::lock_guard<std::mutex> l(mu);
      if (!spare_out.empty()) {
        job.out = std::move(spare_out.back());
        spare_out.pop_back();
      }
    }
    job.out.clear();
    job.status = compress(job.in, &job.out);
    job.in.clear();
    {
      std::lock_guard<std::mutex> l(mu);
      spare_in.push_back(std::move(job.in));
      job.done = true;
    }
    done_cv.notify_all();
  }
};

BlockParallelSink::BlockParallelSink(Sink* next, size_t block_size, int threads, BlockFn compress,
                                     std::shared_ptr<CompressPool> pool)
    : next_(next),
      block_size_(block_size),
      state_(std::make_shared<State>()),
      pool_(std::move(pool)) {
  if (!pool_) {
    pool_ = std::make_shared<CompressPool>(threads);
    own_pool_ = true;
  }
  state_->compress = std::move(compress);
  state_->max_in_flight = 2 * static_cast<size_t>(pool_->threads());
  cur_.reserve(block_size_);
}

BlockParallelSink::~BlockParallelSink() {
  // Queued blocks of an abandoned sink: nobody needs them.
  for (auto& job : state_->pending) job->claimed.exchange(true);
  pool_.reset();  // an own pool finishes its running blocks and joins
}

Bzip2Sink::Bzip2Sink(Sink* next, int level, int threads, std::shared_ptr<CompressPool> pool)
    : BlockParallelSink(
          next, 100000 * static_cast<size_t>(level) - 19, threads,
          [level](std::string_view in, std::string* out) {
            return Bzip2CompressStream(in, level, out);
          },
          std::move(pool)) {}

Bzip2Sink::Bzip2Sink(std::unique_ptr<Sink> next, int level, int threads)
    : Bzip2Sink(next.get(), level, threads) {
  owned_ = std::move(next);
}

namespace {
Status GzipBlock(std::string_view in, int level, std::string* out) {
  struct Compressor {
    libdeflate_compressor* c = nullptr;
    int level = -1;
    ~Compressor() {
      if (c) libdeflate_free_compressor(c);
    }
  };
  thread_local Compressor tc;
  if (tc.level != level) {
    if (tc.c) libdeflate_free_compressor(tc.c);
    tc.c = libdeflate_alloc_compressor(level);
    tc.level = level;
  }
  if (!tc.c) return Status::IOError("gzip: cannot allocate a libdeflate compressor");
  size_t bound = libdeflate_gzip_compress_bound(tc.c, in.size());
  out->resize(bound);
  size_t n = libdeflate_gzip_compress(tc.c, in.data(), in.size(), out->data(), bound);
  if (n == 0) return Status::IOError("gzip: libdeflate compression failed");
  out->resize(n);
  return Status::OK();
}
}  // namespace

ParallelGzipSink::ParallelGzipSink(Sink* next, int level, int threads,
                                   std::shared_ptr<CompressPool> pool)
    : BlockParallelSink(
          next, size_t{1} << 20, threads,
          [level](std::string_view in, std::string* out) { return GzipBlock(in, level, out); },
          std::move(pool)) {}

ParallelGzipSink::ParallelGzipSink(std::unique_ptr<Sink> next, int level, int threads)
    : ParallelGzipSink(next.get(), level, threads) {
  owned_ = std::move(next);
}

Status BlockParallelSink::Submit(OffsetCallback cb) {
  auto job = std::make_shared<BlockJob>();
  job->cb = std::move(cb);
  State& st = *state_;
  if (cur_.empty()) {
    // Nothing to compress: only the unit boundary.
    job->claimed = true;
    job->done = true;
    st.pending.push_back(job);
    return WriteDone(false);
  }
  job->in_size = cur_.size();
  {
    std::lock_guard<std::mutex> l(st.mu);
    job->in.swap(cur_);
    if (!st.spare_in.empty()) {
      cur_ = std::move(st.spare_in.back());
      st.spare_in.pop_back();
    }
  }
  cur_.reserve(block_size_);
  st.pending.push_back(job);
  pool_->Submit([state = state_, job] {
    if (!job->claimed.exchange(true)) state->Run(*job);
  });
  return WriteDone(false);
}

Status BlockParallelSink::WriteDone(bool wait_all) {
  State& st = *state_;
  while (!st.pending.empty()) {
    std::shared_ptr<BlockJob> job = st.pending.front();
    bool must_wait = wait_all || st.pending.size() >= st.max_in_flight;
    while (true) {
      {
        std::unique_lock<std::mutex> l(st.mu);
        if (job->done) break;
        if (!must_wait) return Status::OK();
        if (!own_pool_) {
          // A shared pool is the core budget: wait, do not add a compressor.
          st.done_cv.wait(l, [&] { return job->done; });
          break;
        }
      }
      // Own workers: rather than sleep, compress a queued block here (fewer
      // thread hand-offs, and this thread's CPU share is used).
      bool helped = false;
      for (auto& other : st.pending) {
        if (!other->claimed.exchange(true)) {
          st.Run(*other);
          helped = true;
          break;
        }
      }
      if (!helped) {
        std::unique_lock<std::mutex> l(st.mu);
        st.done_cv.wait(l, [&] { return job->done; });
        break;
      }
    }
    st.pending.pop_front();
    DW_RETURN_IF_ERROR(job->status);
    if (!job->out.empty()) {
      DW_RETURN_IF_ERROR(next_->Append(job->out));
      any_unit_ = true;
      last_unit_offset_ = bytes_out_;
      last_unit_in_ = job->in_size;
      bytes_out_ += job->out.size();
      std::lock_guard<std::mutex> l(st.mu);
      st.spare_out.push_back(std::move(job->out));
    }
    // Pure block boundaries need no downstream EndUnit; only the caller's units do.
    if (job->cb) DW_RETURN_IF_ERROR(next_->EndUnit(std::move(job->cb)));
  }
  return Status::OK();
}

Status BlockParallelSink::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (closed_) return status_ = Status::IOError("compressor: append after close");
  bytes_in_ += data.size();
  while (!data.empty()) {
    size_t n = std::min(data.size(), block_size_ - cur_.size());
    cur_.append(data.data(), n);
    data.remove_prefix(n);
    if (cur_.size() == block_size_) {
      status_ = Submit(nullptr);
      if (!status_.ok()) return status_;
    }
  }
  return Status::OK();
}

Status BlockParallelSink::EndUnit(OffsetCallback on_next_offset) {
  if (!status_.ok()) return status_;
  if (!on_next_offset) on_next_offset = [](uint64_t) {};
  status_ = Submit(std::move(on_next_offset));
  return status_;
}

Status BlockParallelSink::Close() {
  if (closed_) return status_;
  closed_ = true;
  if (status_.ok() && !cur_.empty()) status_ = Submit(nullptr);
  if (status_.ok()) status_ = WriteDone(true);
  if (status_.ok() && !any_unit_) {
    // No data at all: one empty stream, so the file is valid bzip2.
    std::string empty;
    status_ = state_->compress({}, &empty);
    if (status_.ok()) status_ = next_->Append(empty);
    last_unit_offset_ = bytes_out_;
    last_unit_in_ = 0;
    bytes_out_ += empty.size();
  }
  if (own_pool_) pool_.reset();
  Status s = next_->Close();
  if (status_.ok()) status_ = s;
  return status_;
}

// ---------------------------------------------------------------- zstd

struct ZstdSink::Impl {
  ZSTD_CCtx* cctx = nullptr;
  std::string out;
};

ZstdSink::ZstdSink(Sink* next, int level, int threads)
    : next_(next), impl_(std::make_unique<Impl>()) {
  impl_->cctx = ZSTD_createCCtx();
  impl_->out.resize(ZSTD_CStreamOutSize());
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_nbWorkers, threads > 0 ? threads : AllCores());
}

ZstdSink::ZstdSink(std::unique_ptr<Sink> next, int level, int threads)
    : ZstdSink(next.get(), level, threads) {
  owned_ = std::move(next);
}

ZstdSink::~ZstdSink() { ZSTD_freeCCtx(impl_->cctx); }

Status ZstdSink::Compress(std::string_view data, bool end) {
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  while (true) {
    ZSTD_outBuffer out{impl_->out.data(), impl_->out.size(), 0};
    size_t r = ZSTD_compressStream2(impl_->cctx, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(r)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(r));
    if (out.pos > 0)
      DW_RETURN_IF_ERROR(next_->Append(std::string_view(impl_->out.data(), out.pos)));
    if (end ? r == 0 : in.pos == in.size) return Status::OK();
  }
}

Status ZstdSink::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (closed_) return status_ = Status::IOError("zstd: append after close");
  if (data.empty()) return Status::OK();
  status_ = Compress(data, false);
  bytes_in_ += data.size();
  unit_open_ = true;
  return status_;
}

Status ZstdSink::EndUnit(OffsetCallback on_next_offset) {
  if (!status_.ok()) return status_;
  if (unit_open_) {
    status_ = Compress({}, true);
    if (!status_.ok()) return status_;
    unit_open_ = false;
    any_unit_ = true;
  }
  status_ = next_->EndUnit(std::move(on_next_offset));
  return status_;
}

Status ZstdSink::Close() {
  if (closed_) return status_;
  closed_ = true;
  if (status_.ok() && (unit_open_ || !any_unit_)) status_ = Compress({}, true);
  Status s = next_->Close();
  if (status_.ok()) status_ = s;
  return status_;
}

}  // namespace dw::stream
