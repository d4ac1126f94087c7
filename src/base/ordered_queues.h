// OrderedQueues: several producer threads hand work to one consumer, which
// takes it in a fixed order, like pigz's ordered output.
//
// The work is cut into numbered batches. A producer takes the next batch
// (ClaimBatch: 0, 1, 2 ... to whoever asks first, so a faster producer does
// more of them) and puts its items, in order, in its own queue, the last one
// marked as ending the batch. The consumer takes each batch from the queue of
// the producer that claimed it, batch after batch, so items come out in batch
// order whatever the producers' speeds.
//
// Each queue is bounded: at most max_items items and max_bytes bytes (as the
// producer counts them), but always at least one item, so a single huge item
// still passes. Memory: N queues + the items being filled and consumed.
//
// A sleeping thread is woken in batches, not per item: the consumer once the
// queue it waits on holds half of max_items (or an item that ends a batch, or
// its producer waits for room), a producer once its queue is down to half.
//
// Items are reused: the consumer gives each item back (Recycle) and the
// producers take them again (NewItem), so their buffers keep their capacity.
//
// Stop() wakes and releases every waiting producer (Push returns false from
// then on); the owner then joins its threads. Thread-safe as described; the
// consumer side (Pop, Recycle) is one thread.
#pragma once

#include <fmt/format.h>
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

template <typename Item>
class OrderedQueues {
 public:
  using Clock = std::chrono::steady_clock;

  OrderedQueues(size_t producers, size_t max_items, int64_t max_bytes)
      : queues_(producers < 1 ? 1 : producers),
        max_items_(max_items < 2 ? 2 : max_items),
        max_bytes_(max_bytes),
        wake_at_(max_items_ / 2) {}

  size_t producers() const { return queues_.size(); }

  // Producer w takes the next batch; returns its number.
  size_t ClaimBatch(size_t w) {
    bool wake = false;
    size_t k = 0;
    {
      std::lock_guard<std::mutex> l(mu_);
      k = claimed_++;
      owners_.push_back(w);
      wake = consumer_waiting_ == kUnclaimed;
    }
    if (wake) ready_cv_.notify_one();
    return k;
  }

  // A free item (reused, or a new one).
  std::unique_ptr<Item> NewItem() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!free_.empty()) {
        std::unique_ptr<Item> item = std::move(free_.back());
        free_.pop_back();
        return item;
      }
    }
    return std::make_unique<Item>();
  }

  // Producer w queues `item` (`bytes` counts against max_bytes). Waits for
  // room. Returns false once stopped (the item is dropped).
  bool Push(size_t w, std::unique_ptr<Item> item, int64_t bytes, bool ends_batch) {
    Queue& q = queues_[w];
    bool wake = false;
    {
      std::unique_lock<std::mutex> l(mu_);
      auto room = [&] {
        return stop_ || q.ready.empty() ||
               (q.ready.size() < max_items_ && q.bytes + bytes <= max_bytes_);
      };
      if (!room()) {
        q.producer_waiting = true;
        if (consumer_waiting_ == w) ready_cv_.notify_one();  // take what is there
        const auto t0 = Clock::now();
        q.room_cv.wait(l, room);
        q.waited += Clock::now() - t0;
        q.producer_waiting = false;
      }
      if (stop_) return false;
      q.bytes += bytes;
      q.ready.push_back(Entry{std::move(item), bytes, ends_batch});
      wake = consumer_waiting_ == w && (ends_batch || q.ready.size() >= wake_at_);
    }
    if (wake) ready_cv_.notify_one();
    return true;
  }

  // The consumer: the next item in batch order. Waits for it. (Never returns
  // null: the items themselves say when the work has ended.)
  std::unique_ptr<Item> Pop() {
    Queue* q = nullptr;
    Entry e;
    bool wake = false;
    {
      std::unique_lock<std::mutex> l(mu_);
      bool waited = false;
      Clock::time_point t0;
      while (true) {
        // The queue of the producer that claimed the batch (none yet: wait).
        const bool claimed = batch_ < claimed_;
        const size_t w = claimed ? owners_.front() : kUnclaimed;
        q = claimed ? &queues_[w] : nullptr;
        if (q != nullptr && !q->ready.empty() &&
            (!waited || q->ready.size() >= wake_at_ || q->ready.back().ends_batch ||
             q->producer_waiting)) {
          break;
        }
        if (!waited) t0 = Clock::now();
        waited = true;
        consumer_waiting_ = w;
        ready_cv_.wait(l);
      }
      if (waited) {
        consumer_waited_ += Clock::now() - t0;
        consumer_waiting_ = kNobody;
      }
      e = std::move(q->ready.front());
      q->ready.pop_front();
      q->bytes -= e.bytes;
      wake = q->producer_waiting && q->ready.size() <= wake_at_;
      if (e.ends_batch) {
        ++batch_;
        owners_.pop_front();
      }
    }
    if (wake) q->room_cv.notify_one();
    return std::move(e.item);
  }

  // The consumer gives an item back for reuse.
  void Recycle(std::unique_ptr<Item> item) {
    if (!item) return;
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(std::move(item));
  }

  // Releases every producer waiting for room; Push() returns false from now on.
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    for (Queue& q : queues_) q.room_cv.notify_all();
  }

  // For tuning. Producer w's thread calls ProducerDone(w) as it ends (its CPU
  // time is taken then); Report() then says, per producer, its CPU time and
  // how long it waited for room, and how long the consumer waited for items:
  // "reader 0: 0.41 s CPU, waited 0.10 s for room; ...; the consumer waited
  // 0.35 s". (Call Report() from the consumer thread, after the producers ended.)
  void ProducerDone(size_t w) {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    std::lock_guard<std::mutex> l(mu_);
    queues_[w].cpu_seconds = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }
  std::string Report(std::string_view producer, std::string_view consumer) {
    std::lock_guard<std::mutex> l(mu_);
    std::string line;
    for (size_t w = 0; w < queues_.size(); ++w) {
      line += fmt::format("{}{} {}: {:.2f} s CPU, waited {:.2f} s for room", w ? "; " : "",
                          producer, w, queues_[w].cpu_seconds, Seconds(queues_[w].waited));
    }
    return line + fmt::format("; {} waited {:.2f} s", consumer, Seconds(consumer_waited_));
  }

 private:
  struct Entry {
    std::unique_ptr<Item> item;
    int64_t bytes = 0;
    bool ends_batch = false;
  };
  struct Queue {
    std::deque<Entry> ready;          // guarded by mu_
    int64_t bytes = 0;                // guarded by mu_
    bool producer_waiting = false;    // guarded by mu_
    Clock::duration waited{};         // guarded by mu_
    double cpu_seconds = 0;           // guarded by mu_ (ProducerDone)
    std::condition_variable room_cv;  // room in the queue, or stop
  };
  static double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  static constexpr size_t kNobody = static_cast<size_t>(-1);
  static constexpr size_t kUnclaimed = static_cast<size_t>(-2);  // waits for a claim

  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<Queue> queues_;  // deque: Queue is not movable
  const size_t max_items_;
  const int64_t max_bytes_;
  const size_t wake_at_;
  std::vector<std::unique_ptr<Item>> free_;  // guarded by mu_
  bool stop_ = false;                        // guarded by mu_
  size_t consumer_waiting_ = kNobody;        // guarded by mu_: the queue Pop() waits on
  size_t claimed_ = 0;                       // guarded by mu_: batches claimed
  std::deque<size_t> owners_;                // guarded by mu_: who claimed batch_, batch_ + 1 ...
  size_t batch_ = 0;                         // guarded by mu_: the batch Pop() takes
  Clock::duration consumer_waited_{};        // guarded by mu_
};

}  // namespace dw
