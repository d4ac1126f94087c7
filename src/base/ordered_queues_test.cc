#include "base/ordered_queues.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dw {
namespace {

struct Item {
  int batch = -1;
  int index = 0;      // within its batch
  bool last = false;  // the producer has nothing more
};

// Batch k has (k * 7) % 5 items (some none: then one empty item ends it).
int ItemsIn(int k) { return (k * 7) % 5; }

// Producer w: the batches it claims below `batches`, then a `last` item;
// `slow` producers sleep a little per item, so the others claim more.
void Produce(OrderedQueues<Item>* q, size_t w, int batches, bool slow) {
  while (true) {
    const int k = static_cast<int>(q->ClaimBatch(w));
    if (k >= batches) {
      auto item = q->NewItem();
      *item = Item{k, 0, true};
      q->Push(w, std::move(item), 1, true);
      return;
    }
    const int items = ItemsIn(k);
    for (int i = 0; i < std::max(items, 1); ++i) {
      if (slow) std::this_thread::sleep_for(std::chrono::microseconds(50));
      auto item = q->NewItem();
      *item = Item{k, i, false};
      if (!q->Push(w, std::move(item), 10, i + 1 >= items)) return;
    }
  }
}

TEST(OrderedQueuesTest, ConsumerSeesBatchesInOrderWhateverTheProducers) {
  for (size_t n : {1u, 2u, 3u, 5u}) {
    for (size_t max_items : {2u, 3u, 16u}) {
      SCOPED_TRACE("producers " + std::to_string(n) + ", max_items " + std::to_string(max_items));
      const int batches = 200;
      OrderedQueues<Item> q(n, max_items, 25);  // 25 bytes: at most 2 items of 10 per queue
      std::vector<std::thread> threads;
      for (size_t w = 0; w < n; ++w) threads.emplace_back(Produce, &q, w, batches, w == 0);
      int expect_batch = 0, expect_index = 0;
      while (true) {
        auto item = q.Pop();
        ASSERT_NE(item, nullptr);
        if (item->last) {
          EXPECT_EQ(item->batch, batches);
          break;
        }
        ASSERT_EQ(item->batch, expect_batch);
        ASSERT_EQ(item->index, expect_index);
        if (item->index + 1 >= ItemsIn(item->batch)) {
          ++expect_batch;
          expect_index = 0;
        } else {
          ++expect_index;
        }
        q.Recycle(std::move(item));
      }
      EXPECT_EQ(expect_batch, batches);
      q.Stop();  // producers that already ended are joined; none is waiting
      for (auto& t : threads) t.join();
    }
  }
}

TEST(OrderedQueuesTest, OneHugeItemPassesTheByteBound) {
  OrderedQueues<Item> q(1, 4, 100);
  EXPECT_EQ(q.ClaimBatch(0), 0u);
  auto item = q.NewItem();
  item->batch = 0;
  ASSERT_TRUE(q.Push(0, std::move(item), 1 << 30, true));  // alone in its queue: admitted
  auto got = q.Pop();
  EXPECT_EQ(got->batch, 0);
}

TEST(OrderedQueuesTest, StopReleasesWaitingProducers) {
  OrderedQueues<Item> q(2, 2, 1 << 20);
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      q.ClaimBatch(w);
      for (int i = 0;; ++i) {  // never ends a batch: fills its queue, then waits
        auto item = q.NewItem();
        if (!q.Push(w, std::move(item), 1, false)) {
          ++refused;
          return;
        }
      }
    });
  }
  // The consumer takes a few items of batch 0 only (its producer then waits
  // for room again; the other one claimed nothing and waits too).
  for (int i = 0; i < 5; ++i) q.Recycle(q.Pop());
  q.Stop();
  for (auto& t : threads) t.join();  // must not hang
  EXPECT_EQ(refused.load(), 2);
}

TEST(OrderedQueuesTest, RecycledItemsAreReused) {
  OrderedQueues<Item> q(1, 4, 100);
  auto a = q.NewItem();
  Item* raw = a.get();
  q.Recycle(std::move(a));
  auto b = q.NewItem();
  EXPECT_EQ(b.get(), raw);
}

}  // namespace
}  // namespace dw
