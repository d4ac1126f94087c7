#include "stream/output.h"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "stream/file_sink.h"

namespace dw::stream {

// The helper thread of the early writeback: waits until [0, target) is on the
// disk, drops it from the page cache, and fdatasyncs every `sync_every` bytes.
class OutputFile::Syncer {
 public:
  Syncer(WritableFile* file, uint64_t bytes_per_sync)
      : file_(file),
        max_behind_(4 * bytes_per_sync),
        sync_every_(4 * bytes_per_sync),
        thread_([this] { Run(); }) {}
  ~Syncer() { (void)Stop(); }

  // Asks for [0, end) to be waited for. Blocks while the thread is more than
  // max_behind_ behind. Returns the thread's first error.
  Status WaitFor(uint64_t end) {
    std::unique_lock l(mu_);
    if (end > target_) target_ = end;
    work_.notify_one();
    done_.wait(l, [&] { return !status_.ok() || target_ - waited_ <= max_behind_; });
    return status_;
  }
  // Stops the thread (after the call it is in) and returns its first error.
  Status Stop() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    work_.notify_one();
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  void Run() {
    uint64_t synced = 0;
    std::unique_lock l(mu_);
    while (true) {
      work_.wait(l, [&] { return stop_ || target_ > waited_; });
      if (stop_) break;
      const uint64_t from = waited_, to = target_;
      l.unlock();
      Status s = file_->RangeSync(from, to - from, /*wait=*/true);
      if (s.ok()) {
        file_->DropCache(from, to - from);
        if (to - synced >= sync_every_) {
          s = file_->SyncFlushed();
          synced = to;
        }
      }
      l.lock();
      if (!s.ok()) status_ = s;
      waited_ = to;
      done_.notify_all();
      if (!s.ok()) break;
    }
  }

  WritableFile* file_;
  const uint64_t max_behind_, sync_every_;
  std::mutex mu_;
  std::condition_variable work_, done_;
  uint64_t target_ = 0;  // [0, target_) to be waited for
  uint64_t waited_ = 0;  // [0, waited_) is written
  bool stop_ = false;
  Status status_;
  std::thread thread_;  // last: started once the rest is initialised
};

Result<std::unique_ptr<OutputFile>> OutputFile::Create(Env* env, const std::string& final_path,
                                                       uint64_t bytes_per_sync) {
  if (final_path.empty()) return Status::InvalidArgument("output path is empty");
  if (WritesInPlace(env, final_path)) {
    // O_APPEND: a no-op for devices and pipes, and where /dev/stdout leads to a
    // regular file it keeps what the shell's >> asked for.
    DW_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(final_path, OpenMode::kAppend));
    return std::unique_ptr<OutputFile>(new OutputFile(env, final_path, std::move(file), true, 0));
  }
  std::string tmp = final_path + kInprogSuffix;
  DW_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp, OpenMode::kTruncate));
  return std::unique_ptr<OutputFile>(
      new OutputFile(env, final_path, std::move(file), false, bytes_per_sync));
}

bool OutputFile::WritesInPlace(Env* env, const std::string& path) {
  FileType t = env->GetFileType(path);
  if (t == FileType::kOther) return true;
  // /dev/stdout, /dev/fd/N, /proc/self/fd/N lead to whatever the descriptor is,
  // a regular file too; renaming over them would replace the link itself.
  if (t != FileType::kRegular) return false;
  return path == "/dev/stdout" || path == "/dev/stderr" || path.starts_with("/dev/fd/") ||
         (path.starts_with("/proc/") && path.find("/fd/") != std::string::npos);
}

OutputFile::OutputFile(Env* env, std::string final_path, std::unique_ptr<WritableFile> file,
                       bool in_place, uint64_t bytes_per_sync)
    : env_(env),
      final_path_(std::move(final_path)),
      file_(std::move(file)),
      in_place_(in_place),
      bytes_per_sync_(in_place ? 0 : bytes_per_sync) {}

OutputFile::~OutputFile() { Abandon(); }

Status OutputFile::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (closed_) return status_ = Status::IOError("write " + write_path() + ": file is closed");
  status_ = file_->Append(data);
  if (!status_.ok()) return status_;
  bytes_ += data.size();
  if (bytes_per_sync_ != 0 && bytes_ - started_ >= bytes_per_sync_) status_ = Writeback();
  return status_;
}

Status OutputFile::Writeback() {
  DW_RETURN_IF_ERROR(file_->Flush());  // RangeSync only sees what the OS has
  DW_RETURN_IF_ERROR(file_->RangeSync(started_, bytes_ - started_, /*wait=*/false));
  if (prev_started_ > 0) {
    // The range before the previous one: usually written by now, so waiting
    // costs little, and it bounds the dirty data when the disk is slower.
    if (!syncer_) syncer_ = std::make_unique<Syncer>(file_.get(), bytes_per_sync_);
    DW_RETURN_IF_ERROR(syncer_->WaitFor(prev_started_));
  }
  prev_started_ = started_;
  started_ = bytes_;
  return Status::OK();
}

Status OutputFile::StopSyncer() {
  if (!syncer_) return Status::OK();
  Status s = syncer_->Stop();
  syncer_.reset();
  return s;
}

Status OutputFile::EndUnit(OffsetCallback on_next_offset) {
  if (!status_.ok()) return status_;
  if (on_next_offset) on_next_offset(bytes_);
  return Status::OK();
}

Status OutputFile::Close() {
  if (closed_) return status_;
  closed_ = true;
  Status bg = StopSyncer();
  if (status_.ok()) status_ = bg;
  // Devices and pipes cannot be fsynced (EINVAL): flush them only.
  if (status_.ok()) status_ = in_place_ ? file_->Flush() : file_->Sync();
  Status s = file_->Close();
  if (status_.ok()) status_ = s;
  return status_;
}

Status OutputFile::Publish(bool overwrite) {
  if (done_) return Status::InvalidArgument("publish " + final_path_ + ": already done");
  Status s = Close();
  if (in_place_) {
    done_ = true;
    return s;
  }
  if (s.ok()) {
    s = env_->RenameFile(write_path(), final_path_, overwrite);
    if (s.IsAlreadyExists())
      s = Status::AlreadyExists(final_path_ + " already exists (not overwriting it)");
  }
  if (!s.ok()) {
    Abandon();
    return s;
  }
  done_ = true;
  return env_->SyncDir(DirName(final_path_));
}

void OutputFile::Abandon() {
  if (done_) return;
  done_ = true;
  (void)StopSyncer();
  (void)file_->Close();
  closed_ = true;
  if (in_place_) return;  // never remove a device or pipe
  if (env_->FileExists(write_path())) {
    Status s = env_->RemoveFile(write_path());
    if (!s.ok()) LogWarn("{}", s.ToString());
  }
}

namespace {

class ChainOutput final : public Output {
 public:
  Sink* sink() override { return head_; }
  Status Publish() override {
    if (published_) return Status::OK();
    Status s = head_->Close();
    if (s.ok() && file_) s = file_->Publish(overwrite_);
    if (!s.ok()) {
      Abandon();
      return s;
    }
    published_ = true;
    if (hash_) digests_ = hash_->digests();
    bytes_out_ = last_->BytesIn();
    return s;
  }
  void Abandon() override {
    if (published_) return;
    // The chain is not closed: compressing the rest only to delete it is waste.
    if (file_) file_->Abandon();
  }
  Status CheckWritten(VerifyResult* result, size_t tail_bytes,
                      std::optional<uint64_t> joined_last_unit) override {
    if (!file_ || file_->in_place())
      return Status::InvalidArgument(path_ + ": written in place, cannot be checked");
    DW_RETURN_IF_ERROR(head_->Close());
    const std::string tmp = file_->write_path();
    const uint64_t written = file_->BytesIn();
    VerifyResult r;
    if (compression_ == Compression::kNone && joined_last_unit) {
      DW_RETURN_IF_ERROR(CheckWrittenTail(env_, tmp, CompressionFromPath(path_), written,
                                          *joined_last_unit, &r, tail_bytes));
    } else if (compression_ == Compression::kNone) {
      uint64_t from = written > tail_bytes ? written - tail_bytes : 0;
      DW_RETURN_IF_ERROR(CheckWrittenTail(env_, tmp, compression_, written, from, &r, tail_bytes));
      r.decompressed_bytes = written;
    } else if (auto* block = dynamic_cast<BlockParallelSink*>(compressor_.get())) {
      if (block->BytesOut() != written)
        return Status::Corruption(fmt::format("{}: the compressor made {} bytes, {} written", tmp,
                                              block->BytesOut(), written));
      DW_RETURN_IF_ERROR(CheckWrittenTail(env_, tmp, compression_, written, block->LastUnitOffset(),
                                          &r, tail_bytes));
      if (r.decompressed_bytes != block->LastUnitInputBytes())
        return Status::Corruption(fmt::format("{}: the last unit decodes to {} bytes, not {}", tmp,
                                              r.decompressed_bytes, block->LastUnitInputBytes()));
      r.decompressed_bytes = block->BytesIn();
    } else {
      DW_RETURN_IF_ERROR(VerifyCompressed(env_, tmp, &r, tail_bytes));
      if (r.compression != compression_)
        return Status::Corruption(tmp + ": not a " + CompressionName(compression_) + " file");
    }
    if (result) *result = std::move(r);
    return Status::OK();
  }
  const std::string& path() const override { return path_; }
  Compression compression() const override { return compression_; }
  const Digests& digests() const override { return digests_; }
  uint64_t bytes_out() const override { return bytes_out_; }

  ~ChainOutput() override {
    // Destroy from the head down: compressors may still reference later sinks.
    compressor_.reset();
    hash_.reset();
    if (file_) file_->Abandon();
  }

  Env* env_ = nullptr;
  std::string path_;
  Compression compression_ = Compression::kNone;
  bool overwrite_ = false;
  std::unique_ptr<OutputFile> file_;
  std::unique_ptr<Sink> stdout_;
  std::unique_ptr<HashSink> hash_;
  std::unique_ptr<Sink> compressor_;
  Sink* head_ = nullptr;
  Sink* last_ = nullptr;
  bool published_ = false;
  Digests digests_;
  uint64_t bytes_out_ = 0;
};

}  // namespace

Result<std::unique_ptr<Output>> OpenOutput(Env* env, std::string_view spec,
                                           const OutputOptions& opts) {
  std::string path(spec);
  Compression c = Compression::kNone;
  bool explicit_kind = false;
  size_t colon = spec.find(':');
  if (colon != std::string_view::npos) {
    std::string_view kind = spec.substr(0, colon);
    explicit_kind = true;
    if (kind == "file")
      c = Compression::kNone;
    else if (kind == "gzip")
      c = Compression::kGzip;
    else if (kind == "bzip2")
      c = Compression::kBzip2;
    else if (kind == "zstd")
      c = Compression::kZstd;
    else
      explicit_kind = false;  // a path that contains ':'
    if (explicit_kind) path = std::string(spec.substr(colon + 1));
  }
  if (path.empty())
    return Status::InvalidArgument("output '" + std::string(spec) + "': no path given");
  if (!explicit_kind && path != "-") c = CompressionFromPath(path);

  auto out = std::make_unique<ChainOutput>();
  out->env_ = env;
  out->path_ = path;
  out->compression_ = c;
  out->overwrite_ = opts.overwrite;
  if (path == "-") {
    out->stdout_ = std::make_unique<StdoutSink>();
    out->last_ = out->stdout_.get();
  } else {
    if (!opts.overwrite && !OutputFile::WritesInPlace(env, path) && env->FileExists(path))
      return Status::AlreadyExists(path + " already exists (not overwriting it)");
    DW_ASSIGN_OR_RETURN(out->file_, OutputFile::Create(env, path, opts.bytes_per_sync));
    out->last_ = out->file_.get();
  }
  Sink* head = out->last_;
  if (opts.digests != 0) {
    out->hash_ = std::make_unique<HashSink>(head, opts.digests);
    head = out->hash_.get();
  }
  DW_ASSIGN_OR_RETURN(out->compressor_, NewCompressor(c, head, opts.compress));
  if (out->compressor_) head = out->compressor_.get();
  out->head_ = head;
  return std::unique_ptr<Output>(std::move(out));
}

}  // namespace dw::stream
