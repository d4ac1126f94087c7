#include "stream/bzip2_encoder.h"

#include <bzlib.h>
#include <divsufsort.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <queue>
#include <vector>

namespace dw::stream {
namespace {

// ---------------------------------------------------------------- CRC (MSB first)

// Slicing-by-8: t[k][b] is the CRC of byte b followed by k zero bytes, so 8
// input bytes take 8 independent lookups instead of a chain of 8.
struct CrcTable {
  uint32_t t[8][256];
  CrcTable() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i << 24;
      for (int k = 0; k < 8; ++k) c = (c & 0x80000000u) ? (c << 1) ^ 0x04c11db7u : (c << 1);
      t[0][i] = c;
    }
    for (int k = 1; k < 8; ++k)
      for (uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] << 8) ^ t[0][t[k - 1][i] >> 24];
  }
  uint32_t Update(uint32_t crc, const uint8_t* p, size_t n) const {
    for (; n >= 8; p += 8, n -= 8) {
      uint32_t a = crc ^ (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
      crc = t[7][a >> 24] ^ t[6][(a >> 16) & 0xff] ^ t[5][(a >> 8) & 0xff] ^ t[4][a & 0xff] ^
            t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    }
    for (; n > 0; ++p, --n) crc = (crc << 8) ^ t[0][(crc >> 24) ^ *p];
    return crc;
  }
};
const CrcTable kCrc;

// ---------------------------------------------------------------- bit writer

class BitWriter {
 public:
  // Appends to *out (which must not be touched until Finish()).
  explicit BitWriter(std::string* out) : out_(out), pos_(out->size()) {}
  void Put(int n, uint32_t v) {  // n <= 32
    acc_ = (acc_ << n) | (v & ((n == 32) ? 0xffffffffu : ((1u << n) - 1)));
    bits_ += n;
    if (bits_ >= 32) {
      bits_ -= 32;
      const uint32_t word = static_cast<uint32_t>(acc_ >> bits_);
      if (pos_ + 4 > out_->size()) out_->resize(std::max<size_t>(2 * out_->size(), pos_ + 4096));
      char* w = out_->data() + pos_;
      w[0] = static_cast<char>(word >> 24);
      w[1] = static_cast<char>(word >> 16);
      w[2] = static_cast<char>(word >> 8);
      w[3] = static_cast<char>(word);
      pos_ += 4;
    }
  }
  // Room for `bytes` more bytes without resizing (an optimisation only).
  void Reserve(size_t bytes) {
    if (pos_ + bytes > out_->size()) out_->resize(pos_ + bytes);
  }
  // Pads to a whole byte and trims *out to what was written.
  void Finish() {
    if (bits_ % 8 != 0) Put(8 - bits_ % 8, 0);
    out_->resize(pos_ + 4);
    while (bits_ > 0) {
      bits_ -= 8;
      (*out_)[pos_++] = static_cast<char>(acc_ >> bits_);
    }
    out_->resize(pos_);
  }

 private:
  std::string* out_;
  size_t pos_;
  uint64_t acc_ = 0;
  int bits_ = 0;
};

// ---------------------------------------------------------------- Huffman

constexpr int kMaxCodeLen = 17;  // what libbz2 uses; decoders accept up to 20
constexpr int kGroupSize = 50;
constexpr int kMaxAlpha = 258;

// Code lengths (1..max_len) for `n` symbols with frequencies `freq` (0 counts as 1).
void MakeCodeLengths(const uint32_t* freq, int n, int max_len, uint8_t* len) {
  std::vector<uint64_t> w(n);
  for (int i = 0; i < n; ++i) w[i] = freq[i] == 0 ? 1 : freq[i];
  while (true) {
    // Classic Huffman with a heap; parent links give the depths.
    using Item = std::pair<uint64_t, int>;  // weight, node (ties by node id: deterministic)
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
    std::vector<int> parent(2 * n, -1);
    for (int i = 0; i < n; ++i) heap.push({w[i], i});
    int next = n;
    while (heap.size() > 1) {
      auto a = heap.top();
      heap.pop();
      auto b = heap.top();
      heap.pop();
      parent[a.second] = parent[b.second] = next;
      heap.push({a.first + b.first, next});
      ++next;
    }
    bool too_long = false;
    for (int i = 0; i < n; ++i) {
      int d = 0;
      for (int k = i; parent[k] >= 0; k = parent[k]) ++d;
      if (d == 0) d = 1;
      len[i] = static_cast<uint8_t>(std::min(d, 255));
      if (d > max_len) too_long = true;
    }
    if (!too_long) return;
    for (auto& x : w) x = 1 + x / 2;
  }
}

// Canonical codes as bzip2 assigns them: by length, then by symbol.
void AssignCodes(const uint8_t* len, int n, uint32_t* code) {
  int min_len = 32, max_len = 0;
  for (int i = 0; i < n; ++i) {
    min_len = std::min<int>(min_len, len[i]);
    max_len = std::max<int>(max_len, len[i]);
  }
  uint32_t vec = 0;
  for (int l = min_len; l <= max_len; ++l) {
    for (int i = 0; i < n; ++i)
      if (len[i] == l) code[i] = vec++;
    vec <<= 1;
  }
}

// ---------------------------------------------------------------- BWT

// An array of T that keeps its memory from block to block (contents are not
// kept by Reserve()), asking for transparent huge pages where the kernel allows:
// the suffix sort reads and writes it in random order, and 4 KB pages cost TLB
// misses there.
template <typename T>
class PageArray {
 public:
  PageArray() = default;
  PageArray(const PageArray&) = delete;
  PageArray& operator=(const PageArray&) = delete;
  ~PageArray() { std::free(p_); }
  void Reserve(size_t n) {
    if (n <= cap_) return;
    std::free(p_);
    constexpr size_t kHuge = size_t{2} << 20;
    if (n * sizeof(T) < kHuge / 2) {  // small (tests): huge pages would cost more
      p_ = static_cast<T*>(std::malloc(n * sizeof(T)));
      if (p_ == nullptr) throw std::bad_alloc();  // as std::vector would
      cap_ = n;
      return;
    }
    const size_t bytes = (n * sizeof(T) + kHuge - 1) / kHuge * kHuge;
    p_ = static_cast<T*>(std::aligned_alloc(kHuge, bytes));
    if (p_ == nullptr) throw std::bad_alloc();
    ::madvise(p_, bytes, MADV_HUGEPAGE);  // a hint: failure is harmless
    cap_ = bytes / sizeof(T);
  }
  size_t capacity() const { return cap_; }
  T* data() { return p_; }
  T& operator[](size_t i) { return p_[i]; }

 private:
  T* p_ = nullptr;
  size_t cap_ = 0;
};

struct Scratch {
  PageArray<uint8_t> block;  // the block after RLE1, twice in a row (2 * n bytes)
  PageArray<int32_t> ptr;    // sorted rotations
  std::vector<uint16_t> mtf;
};

// Start of the lexicographically least rotation of the n-byte string whose
// doubled copy is d[0..2n) (the two-pointer algorithm: i and j are the two
// best candidates, k the length of their common prefix; linear time). Only
// starts at the smallest byte value `low` can win, so the candidates jump from
// one such byte to the next (memchr): on text that byte is rare.
int32_t LeastRotation(const uint8_t* d, int32_t n, uint8_t low) {
  auto next = [d, n, low](int32_t x) {
    if (x >= n) return n;
    const void* p = std::memchr(d + x, low, static_cast<size_t>(n - x));
    return p ? static_cast<int32_t>(static_cast<const uint8_t*>(p) - d) : n;
  };
  int32_t i = next(0), j = next(i + 1), k = 0;
  while (j < n && i < n) {
    // Skip the common prefix 8 bytes at a time (history XML repeats a lot).
    while (k + 8 <= n) {
      uint64_t a, b;
      std::memcpy(&a, d + i + k, 8);
      std::memcpy(&b, d + j + k, 8);
      if (a != b) {
        k += std::countr_zero(a ^ b) / 8;  // little-endian: the first differing byte
        break;
      }
      k += 8;
    }
    while (k < n && d[i + k] == d[j + k]) ++k;
    if (k >= n) break;  // rotations i and j are equal: the string is periodic
    // The greater candidate and the k starts after it lose to the other's.
    if (d[i + k] > d[j + k])
      i = next(i + k + 1);
    else
      j = next(j + k + 1);
    if (i == j) j = next(j + 1);
    k = 0;
  }
  return std::min(i, j);
}

// Sorts the rotations of the n-byte block in sc.block[0..n) (n >= 1), whose
// smallest byte is `low`. On
// return, *rot is the start r of the least rotation, sc.block[r..r+n) is that
// rotation, and sc.ptr[k] is the start (relative to r) of the k-th smallest
// rotation; identical rotations (a periodic block) come in some fixed order.
//
// Why one suffix sort suffices: the least rotation w = u^m (u primitive, so a
// Lyndon word) sorts its rotations exactly like its suffixes. Suffix order and
// rotation order of w can only differ when one suffix w[j..n) is a proper prefix
// of another w[i..n) (i < j); then the rotations compare as w[0..j-i) against
// w[n-(j-i)..n). That suffix of w starts with a proper suffix of u, which is
// greater than u and not a prefix of it (Lyndon words are unbordered), unless
// j - i is a multiple of |u| and the rotations are equal. Either way the shorter
// suffix is the smaller rotation (or an equal one), as in suffix order.
// Returns false only if libdivsufsort fails.
bool SortRotations(int32_t n, uint8_t low, Scratch& sc, int32_t* rot) {
  uint8_t* d = sc.block.data();
  std::memcpy(d + n, d, static_cast<size_t>(n));
  const int32_t r = n == 1 ? 0 : LeastRotation(d, n, low);
  *rot = r;
  sc.ptr.Reserve(static_cast<size_t>(n));
  if (n == 1) {
    sc.ptr[0] = 0;
    return true;
  }
  return divsufsort(d + r, sc.ptr.data(), n) == 0;
}

// ---------------------------------------------------------------- one block

// Encodes one block (after RLE1) with its CRC. Returns false to ask for the fallback.
bool EncodeBlock(int32_t n, uint32_t block_crc, BitWriter& bw, Scratch& sc) {
  // Symbols in use (the same for every rotation).
  bool in_use[256] = {};
  for (int32_t i = 0; i < n; ++i) in_use[sc.block[i]] = true;
  int low = 0;
  while (!in_use[low]) ++low;

  int32_t rot = 0;
  if (!SortRotations(n, static_cast<uint8_t>(low), sc, &rot)) return false;
  // Rows refer to the least rotation w = block[rot..rot+n); the block itself is
  // w's rotation starting at n - rot.
  const uint8_t* block = sc.block.data() + rot;
  const int32_t orig_start = rot == 0 ? 0 : n - rot;
  int32_t orig_ptr = -1;

  // Sequence numbers of the symbols in use.
  uint8_t seq[256];
  int n_in_use = 0;
  for (int i = 0; i < 256; ++i)
    if (in_use[i]) seq[i] = static_cast<uint8_t>(n_in_use++);
  const int eob = n_in_use + 1;
  const int alpha = n_in_use + 2;

  // BWT -> MTF -> RUNA/RUNB zero runs.
  auto& mtf = sc.mtf;
  mtf.clear();
  mtf.reserve(static_cast<size_t>(n) + 1);
  uint32_t freq[kMaxAlpha] = {};
  uint8_t order[256];
  for (int i = 0; i < n_in_use; ++i) order[i] = static_cast<uint8_t>(i);
  uint32_t zrun = 0;
  auto flush_zeros = [&] {
    if (zrun == 0) return;
    uint32_t z = zrun - 1;
    while (true) {
      uint16_t sym = (z & 1) ? 1 : 0;  // RUNB : RUNA
      mtf.push_back(sym);
      freq[sym]++;
      if (z < 2) break;
      z = (z - 2) / 2;
    }
    zrun = 0;
  };
  constexpr int32_t kAhead = 24;  // the block is read in random order: prefetch
  for (int32_t k = 0; k < n; ++k) {
    if (k + kAhead < n) __builtin_prefetch(block + sc.ptr[k + kAhead]);
    int32_t p = sc.ptr[k];
    if (p == orig_start) orig_ptr = k;
    uint8_t c = seq[block[p == 0 ? n - 1 : p - 1]];
    if (order[0] == c) {
      ++zrun;
      continue;
    }
    flush_zeros();
    // Move c to the front.
    int j = 1;
    uint8_t prev = order[0];
    while (order[j] != c) {
      std::swap(prev, order[j]);
      ++j;
    }
    order[j] = prev;
    order[0] = c;
    uint16_t sym = static_cast<uint16_t>(j + 1);
    mtf.push_back(sym);
    freq[sym]++;
  }
  flush_zeros();
  mtf.push_back(static_cast<uint16_t>(eob));
  freq[eob]++;
  const int n_mtf = static_cast<int>(mtf.size());

  // Huffman tables: initial partition of the alphabet by frequency, then refine.
  const int n_groups = n_mtf < 200 ? 2 : n_mtf < 600 ? 3 : n_mtf < 1200 ? 4 : n_mtf < 2400 ? 5 : 6;
  uint8_t len[6][kMaxAlpha];
  {
    int remaining = n_mtf;
    int gs = 0;
    for (int part = n_groups; part > 0; --part) {
      int target = remaining / part;
      int ge = gs - 1, acc = 0;
      while (acc < target && ge < alpha - 1) acc += static_cast<int>(freq[++ge]);
      if (ge > gs && part != n_groups && part != 1 && ((n_groups - part) % 2 == 1))
        acc -= static_cast<int>(freq[ge--]);
      for (int v = 0; v < alpha; ++v) len[part - 1][v] = (v >= gs && v <= ge) ? 0 : 15;
      gs = ge + 1;
      remaining -= acc;
    }
  }
  const int n_selectors = (n_mtf + kGroupSize - 1) / kGroupSize;
  std::vector<uint8_t> selector(n_selectors);
  for (int iter = 0; iter < 4; ++iter) {
    uint32_t tfreq[6][kMaxAlpha] = {};
    // The code lengths of all tables for a symbol, packed in 16-bit lanes, so
    // that one addition sums 4 tables (a group costs at most 50 * 17 < 65536).
    uint64_t packed_lo[kMaxAlpha], packed_hi[kMaxAlpha];
    for (int v = 0; v < alpha; ++v) {
      uint64_t lo = 0, hi = 0;
      for (int t = 0; t < n_groups; ++t) {
        if (t < 4)
          lo |= static_cast<uint64_t>(len[t][v]) << (16 * t);
        else
          hi |= static_cast<uint64_t>(len[t][v]) << (16 * (t - 4));
      }
      packed_lo[v] = lo;
      packed_hi[v] = hi;
    }
    for (int g = 0; g < n_selectors; ++g) {
      int gs = g * kGroupSize, ge = std::min(gs + kGroupSize, n_mtf);
      uint64_t sum_lo = 0, sum_hi = 0;
      for (int i = gs; i < ge; ++i) {
        sum_lo += packed_lo[mtf[i]];
        sum_hi += packed_hi[mtf[i]];
      }
      uint32_t cost[6];
      for (int t = 0; t < 6; ++t)
        cost[t] = static_cast<uint32_t>(((t < 4 ? sum_lo : sum_hi) >> (16 * (t % 4))) & 0xffff);
      int best = 0;
      for (int t = 1; t < n_groups; ++t)
        if (cost[t] < cost[best]) best = t;
      selector[g] = static_cast<uint8_t>(best);
      for (int i = gs; i < ge; ++i) tfreq[best][mtf[i]]++;
    }
    for (int t = 0; t < n_groups; ++t) MakeCodeLengths(tfreq[t], alpha, kMaxCodeLen, len[t]);
  }
  uint32_t code[6][kMaxAlpha];
  for (int t = 0; t < n_groups; ++t) AssignCodes(len[t], alpha, code[t]);

  // Block header.
  bw.Put(24, 0x314159);
  bw.Put(24, 0x265359);
  bw.Put(32, block_crc);
  bw.Put(1, 0);  // not randomised
  bw.Put(24, static_cast<uint32_t>(orig_ptr));
  // Symbol map: 16 ranges of 16 bytes.
  uint32_t ranges = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j)
      if (in_use[i * 16 + j]) ranges |= 1u << (15 - i);
  bw.Put(16, ranges);
  for (int i = 0; i < 16; ++i) {
    if (!(ranges & (1u << (15 - i)))) continue;
    uint32_t bits = 0;
    for (int j = 0; j < 16; ++j)
      if (in_use[i * 16 + j]) bits |= 1u << (15 - j);
    bw.Put(16, bits);
  }
  bw.Put(3, static_cast<uint32_t>(n_groups));
  bw.Put(15, static_cast<uint32_t>(n_selectors));
  // Selectors, move-to-front coded, unary.
  uint8_t sel_order[6] = {0, 1, 2, 3, 4, 5};
  for (int g = 0; g < n_selectors; ++g) {
    uint8_t v = selector[g];
    int j = 0;
    while (sel_order[j] != v) ++j;
    for (int k = j; k > 0; --k) sel_order[k] = sel_order[k - 1];
    sel_order[0] = v;
    for (int k = 0; k < j; ++k) bw.Put(1, 1);
    bw.Put(1, 0);
  }
  // Code lengths, delta coded.
  for (int t = 0; t < n_groups; ++t) {
    int cur = len[t][0];
    bw.Put(5, static_cast<uint32_t>(cur));
    for (int v = 0; v < alpha; ++v) {
      while (cur < len[t][v]) {
        bw.Put(2, 2);
        ++cur;
      }
      while (cur > len[t][v]) {
        bw.Put(2, 3);
        --cur;
      }
      bw.Put(1, 0);
    }
  }
  // The data.
  for (int g = 0; g < n_selectors; ++g) {
    int gs = g * kGroupSize, ge = std::min(gs + kGroupSize, n_mtf);
    const uint8_t* l = len[selector[g]];
    const uint32_t* c = code[selector[g]];
    for (int i = gs; i < ge; ++i) bw.Put(l[mtf[i]], c[mtf[i]]);
  }
  return true;
}

}  // namespace

Status Bzip2CompressStreamLibbz2(std::string_view in, int level, std::string* out) {
  size_t cap = in.size() + in.size() / 100 + 600;
  size_t base = out->size();
  out->resize(base + cap);
  unsigned int out_len = static_cast<unsigned int>(cap);
  int rc = BZ2_bzBuffToBuffCompress(out->data() + base, &out_len, const_cast<char*>(in.data()),
                                    static_cast<unsigned int>(in.size()), level, 0, 0);
  if (rc != BZ_OK) {
    out->resize(base);
    return Status::IOError("bzip2: compression failed (libbz2 error " + std::to_string(rc) + ")");
  }
  out->resize(base + out_len);
  return Status::OK();
}

Status Bzip2Bwt(std::string_view block, std::string* last, int32_t* orig_ptr) {
  if (block.empty() || block.size() > static_cast<size_t>(INT32_MAX / 2))
    return Status::InvalidArgument("bzip2: block size out of range");
  const auto n = static_cast<int32_t>(block.size());
  Scratch sc;
  sc.block.Reserve(2 * block.size());
  std::memcpy(sc.block.data(), block.data(), block.size());
  int32_t rot = 0;
  const auto low = static_cast<uint8_t>(*std::min_element(sc.block.data(), sc.block.data() + n));
  if (!SortRotations(n, low, sc, &rot)) return Status::IOError("bzip2: libdivsufsort failed");
  const uint8_t* w = sc.block.data() + rot;
  const int32_t orig_start = rot == 0 ? 0 : n - rot;
  last->resize(block.size());
  for (int32_t k = 0; k < n; ++k) {
    int32_t p = sc.ptr[k];
    (*last)[k] = static_cast<char>(w[p == 0 ? n - 1 : p - 1]);
    if (p == orig_start) *orig_ptr = k;
  }
  return Status::OK();
}

Status Bzip2CompressStream(std::string_view in, int level, std::string* out, bool* used_libbz2) {
  if (used_libbz2) *used_libbz2 = false;
  const int32_t cap = 100000 * level - 19;
  if (in.size() > static_cast<size_t>(cap))
    return Status::InvalidArgument("bzip2: block larger than the level allows");
  size_t base = out->size();
  BitWriter bw(out);
  bw.Reserve(in.size() / 4 + 64);
  bw.Put(8, 'B');
  bw.Put(8, 'Z');
  bw.Put(8, 'h');
  bw.Put(8, static_cast<uint32_t>('0' + level));
  uint32_t combined = 0;
  thread_local Scratch sc;
  if (sc.ptr.capacity() < static_cast<size_t>(cap)) {
    // Full size once per thread: growing a vector block by block (sizes vary
    // after RLE) reallocates, copies and faults in fresh pages every time.
    const size_t c = static_cast<size_t>(cap) + 64;
    sc.ptr.Reserve(c);
    sc.block.Reserve(2 * c);
    sc.mtf.reserve(c + 1);
  }
  auto& block = sc.block;
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t pos = 0;
  while (pos < in.size()) {
    // RLE1 into one block: runs of 4..255 equal bytes become 4 bytes and a count.
    size_t used = 0;
    const size_t start = pos;
    while (pos < in.size()) {
      // Fast path: 8 bytes at once when no run of 4 starts among them (a run of
      // at most 3 that crosses the end is literal either way).
      while (pos + 11 <= in.size() && used + 8 <= static_cast<size_t>(cap)) {
        uint64_t a, b, c3, d;
        std::memcpy(&a, p + pos, 8);
        std::memcpy(&b, p + pos + 1, 8);
        std::memcpy(&c3, p + pos + 2, 8);
        std::memcpy(&d, p + pos + 3, 8);
        // A zero byte in x: a run of 4 starts there.
        const uint64_t x = (a ^ b) | (a ^ c3) | (a ^ d);
        constexpr uint64_t kOnes = 0x0101010101010101u, kHigh = 0x8080808080808080u;
        if (((x - kOnes) & ~x & kHigh) != 0) break;
        std::memcpy(block.data() + used, &a, 8);
        used += 8;
        pos += 8;
      }
      if (pos >= in.size()) break;
      uint8_t c = p[pos];
      size_t run = 1;
      while (run < 255 && pos + run < in.size() && p[pos + run] == c) ++run;
      size_t enc = run < 4 ? run : 5;
      if (used + enc > static_cast<size_t>(cap)) break;
      uint8_t* w = block.data() + used;
      if (run < 4) {
        for (size_t k = 0; k < run; ++k) w[k] = c;
      } else {
        w[0] = w[1] = w[2] = w[3] = c;
        w[4] = static_cast<uint8_t>(run - 4);
      }
      used += enc;
      pos += run;
    }
    const uint32_t crc = ~kCrc.Update(0xffffffffu, p + start, pos - start);
    if (!EncodeBlock(static_cast<int32_t>(used), crc, bw, sc)) {
      out->resize(base);
      if (used_libbz2) *used_libbz2 = true;
      return Bzip2CompressStreamLibbz2(in, level, out);
    }
    combined = ((combined << 1) | (combined >> 31)) ^ crc;
  }
  bw.Put(24, 0x177245);
  bw.Put(24, 0x385090);
  bw.Put(32, combined);
  bw.Finish();
  return Status::OK();
}

}  // namespace dw::stream
