#include "transfer/frame_reader.h"

#include <sys/socket.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>

namespace dw::transfer {

Status DecompressData(Data* d) {
  if (d->codec == Codec::kNone) return Status::OK();
  std::string out(d->raw_len, '\0');
  if (d->codec == Codec::kZstd) {
    // One context per thread, freed when the thread ends.
    struct FreeDCtx {
      void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
    };
    thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> dctx(ZSTD_createDCtx());
    size_t n =
        ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), d->bytes.data(), d->bytes.size());
    if (ZSTD_isError(n) || n != d->raw_len)
      return Status::Corruption("corrupt zstd block in stream");
  } else if (d->codec == Codec::kGzip) {
    uLongf n = d->raw_len;
    if (uncompress(reinterpret_cast<Bytef*>(out.data()), &n,
                   reinterpret_cast<const Bytef*>(d->bytes.data()),
                   static_cast<uLong>(d->bytes.size())) != Z_OK ||
        n != d->raw_len)
      return Status::Corruption("corrupt zlib block in stream");
  } else {
    return Status::Corruption("unknown codec in stream");
  }
  d->bytes = std::move(out);
  d->codec = Codec::kNone;
  return Status::OK();
}

FrameReader::FrameReader(FrameConn* conn, size_t workers, size_t depth) : conn_(conn) {
  if (workers == 0) workers = std::max(2u, std::thread::hardware_concurrency());
  depth_ = depth > 0 ? depth : workers * 4 + 4;
  threads_.emplace_back([this] { ReadLoop(); });
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { WorkLoop(); });
}

FrameReader::~FrameReader() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  // Wakes a reader blocked in recv(); the send side stays usable.
  ::shutdown(conn_->socket().fd(), SHUT_RD);
  read_cv_.notify_all();
  work_cv_.notify_all();
  out_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void FrameReader::ReadLoop() {
  while (true) {
    {
      std::unique_lock l(mu_);
      read_cv_.wait(l, [&] { return stop_ || order_.size() < depth_; });
      if (stop_) break;
    }
    auto slot = std::make_shared<Slot>();
    {
      std::lock_guard l(mu_);
      if (!spare_.empty()) {
        slot->body = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    Status s = conn_->ReadWire(&slot->body, &slot->seq);
    std::lock_guard l(mu_);
    if (!s.ok()) {
      read_status_ = stop_ ? Status::Aborted("reading stopped") : s;
      break;
    }
    order_.push_back(slot);
    todo_.push_back(std::move(slot));
    work_cv_.notify_one();
  }
  std::lock_guard l(mu_);
  read_done_ = true;
  out_cv_.notify_all();
}

void FrameReader::WorkLoop() {
  while (true) {
    std::shared_ptr<Slot> slot;
    {
      std::unique_lock l(mu_);
      work_cv_.wait(l, [&] { return stop_ || !todo_.empty(); });
      if (stop_) return;
      slot = todo_.front();
      todo_.pop_front();
    }
    Result<Frame> f = conn_->OpenFrame(slot->seq, &slot->body);
    if (f.ok()) {
      if (auto* d = std::get_if<Data>(&*f)) {
        Status s = DecompressData(d);
        if (!s.ok()) f = s;
      }
    }
    std::lock_guard l(mu_);
    // Only big bodies are kept: a small one would be zero-filled again when
    // resized up for the next big frame.
    if (spare_.size() < depth_ && slot->body.size() >= (256 << 10))
      spare_.push_back(std::move(slot->body));
    slot->out.emplace(std::move(f));
    if (slot == order_.front()) out_cv_.notify_all();
  }
}

Result<Frame> FrameReader::Next() {
  std::unique_lock l(mu_);
  out_cv_.wait(l, [&] {
    return stop_ || (!order_.empty() && order_.front()->out.has_value()) ||
           (order_.empty() && read_done_);
  });
  if (order_.empty() || !order_.front()->out) {
    return read_status_.ok() ? Status::Aborted("reading stopped") : read_status_;
  }
  std::shared_ptr<Slot> slot = std::move(order_.front());
  order_.pop_front();
  read_cv_.notify_one();
  return std::move(*slot->out);
}

}  // namespace dw::transfer
