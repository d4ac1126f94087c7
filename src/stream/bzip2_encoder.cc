#include "stream/bzip2_encoder.h"

#include <bzlib.h>
#include <divsufsort.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
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
  explicit BitWriter(std::string* out) : out_(out) {}
  void Put(int n, uint32_t v) {  // n <= 32
    acc_ = (acc_ << n) | (v & ((n == 32) ? 0xffffffffu : ((1u << n) - 1)));
    bits_ += n;
    while (bits_ >= 8) {
      bits_ -= 8;
      out_->push_back(static_cast<char>((acc_ >> bits_) & 0xff));
    }
  }
  void Flush() {
    if (bits_ > 0) Put(8 - bits_, 0);
  }

 private:
  std::string* out_;
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

struct Scratch {
  std::vector<int32_t> ptr, rank, base, tail, sa2, merged;
  std::vector<uint8_t> doubled;
  std::vector<uint16_t> mtf;
};

// Rotation order from the suffix order of T = s[0..n) s[0..k): the first n
// suffixes of T sort like the rotations as long as none of them (shorter than n)
// is a prefix of another suffix of T. k grows until that holds (k = n always does:
// then only identical rotations can tie, and their order does not matter).
bool SortRotationsDoubled(const uint8_t* s, int32_t n, int32_t k, Scratch& sc) {
  while (true) {
    k = std::min(k, n);
    const int32_t m = n + k;
    sc.doubled.resize(m);
    std::memcpy(sc.doubled.data(), s, n);
    std::memcpy(sc.doubled.data() + n, s, k);
    sc.sa2.resize(m);
    if (divsufsort(sc.doubled.data(), sc.sa2.data(), m) != 0) return false;
    bool ok = k >= n - 1;
    if (!ok) {
      // Does T[n-1..m) (length k+1) occur elsewhere? If not, no shorter-than-n
      // suffix starting before n does either (a suffix that occurs elsewhere
      // makes every later one occur elsewhere).
      int32_t r = 0;
      while (sc.sa2[r] != n - 1) ++r;
      int32_t len = k + 1;
      ok = r + 1 >= m || m - sc.sa2[r + 1] < len ||
           std::memcmp(sc.doubled.data() + n - 1, sc.doubled.data() + sc.sa2[r + 1], len) != 0;
    }
    if (ok) {
      sc.ptr.resize(n);  // keeps its size from block to block: no clearing memset
      int32_t w = 0;
      for (int32_t i = 0; i < m; ++i)
        if (sc.sa2[i] < n) sc.ptr[w++] = sc.sa2[i];
      return true;
    }
    k = k * 4;
  }
}

// Sorts the rotations of s[0..n) into sc.ptr (ptr[k] = start of the k-th
// smallest rotation). Returns false only if libdivsufsort fails.
bool SortRotations(const uint8_t* s, int32_t n, Scratch& sc) {
  auto& ptr = sc.ptr;
  auto& rank = sc.rank;
  ptr.resize(n);
  if (n == 1) {
    ptr[0] = 0;
    return true;
  }
  // A long repeated tail needs the doubled sort anyway: detect it cheaply (the
  // block's last bytes occur earlier) and skip the plain sort. Only a guess of
  // the tail length; SortRotationsDoubled() checks and extends it.
  constexpr int32_t kProbe = 255, kLongTail = 4096;
  auto occurs_earlier = [&](int32_t len) {
    return ::memmem(s, static_cast<size_t>(n - 1), s + n - len, static_cast<size_t>(len)) !=
           nullptr;
  };
  if (n > 4 * kLongTail && occurs_earlier(kProbe) && occurs_earlier(kLongTail)) {
    int32_t len = kLongTail;
    while (2 * len <= n / 2 && occurs_earlier(2 * len)) len *= 2;
    return SortRotationsDoubled(s, n, 2 * len + 64, sc);
  }
  if (divsufsort(s, ptr.data(), n) != 0) return false;
  // Suffix order equals rotation order except for suffixes that are a proper
  // prefix of another suffix: exactly the tail s[j0..n) of positions whose suffix
  // occurs elsewhere (if s[j..n) occurs elsewhere, so does s[j+1..n)).
  // occurs(j): suffix j is a prefix of the next suffix in suffix order.
  rank.resize(n);
  for (int32_t k = 0; k < n; ++k) rank[ptr[k]] = k;
  auto occurs = [&](int32_t j) {
    int32_t r = rank[j];
    if (r + 1 >= n) return false;
    int32_t other = ptr[r + 1];
    int32_t len = n - j;
    return n - other >= len && std::memcmp(s + j, s + other, len) == 0;
  };
  if (!occurs(n - 1)) return true;  // the common case: suffix order is rotation order
  int32_t lo = 0, hi = n - 1;       // occurs(0) is false (nothing is longer), occurs(hi) true
  while (hi - lo > 1) {
    int32_t mid = lo + (hi - lo) / 2;
    if (occurs(mid))
      hi = mid;
    else
      lo = mid;
  }
  const int32_t j0 = hi;
  const int32_t tail_len = n - j0;
  // A long repeated tail (history dumps: the end of a revision that also occurs in
  // the previous one): sort a partly doubled block instead of fixing up.
  if (tail_len > kLongTail) return SortRotationsDoubled(s, n, 2 * tail_len + 64, sc);

  // Short tail: sort the tail rotations with direct comparisons and merge them
  // into the (correctly ordered) other rotations. Bytes compared are budgeted:
  // past the budget the comparator answers by index (stable_sort still ends) and
  // the doubled sort does the job instead.
  int64_t budget = 64 * static_cast<int64_t>(n);
  auto rot_less = [s, n, &budget](int32_t a, int32_t b) {
    if (a == b) return false;
    if (budget < 0) return a < b;
    int32_t i = a, j = b, left = n;
    while (left > 0) {
      int32_t run = std::min({left, n - i, n - j});
      int c = std::memcmp(s + i, s + j, run);
      if (c != 0) {
        budget -= 16;  // memcmp stops early; charge roughly what it read
        return c < 0;
      }
      budget -= run;
      left -= run;
      i += run;
      j += run;
      if (i == n) i = 0;
      if (j == n) j = 0;
    }
    return a < b;  // identical rotations: any fixed order
  };
  auto& base = sc.base;
  auto& tail = sc.tail;
  base.clear();
  for (int32_t k = 0; k < n; ++k)
    if (ptr[k] < j0) base.push_back(ptr[k]);
  tail.clear();
  for (int32_t j = j0; j < n; ++j) tail.push_back(j);
  std::stable_sort(tail.begin(), tail.end(), rot_less);
  // Merge: each tail rotation goes before the first base rotation greater than it.
  auto& merged = sc.merged;
  merged.resize(n);
  auto w = merged.begin();
  size_t bi = 0;
  for (int32_t t : tail) {
    size_t pos = std::upper_bound(base.begin() + static_cast<long>(bi), base.end(), t,
                                  [&](int32_t x, int32_t y) { return rot_less(x, y); }) -
                 base.begin();
    w = std::copy(base.begin() + static_cast<long>(bi), base.begin() + static_cast<long>(pos), w);
    *w++ = t;
    bi = pos;
  }
  std::copy(base.begin() + static_cast<long>(bi), base.end(), w);
  ptr.swap(merged);
  if (budget >= 0) return true;
  return SortRotationsDoubled(s, n, 2 * tail_len + 64, sc);
}

// ---------------------------------------------------------------- one block

// Encodes one block (after RLE1) with its CRC. Returns false to ask for the fallback.
bool EncodeBlock(const uint8_t* block, int32_t n, uint32_t block_crc, BitWriter& bw, Scratch& sc) {
  if (!SortRotations(block, n, sc)) return false;
  int32_t orig_ptr = -1;

  // Symbols in use and their sequence numbers.
  bool in_use[256] = {};
  for (int32_t i = 0; i < n; ++i) in_use[block[i]] = true;
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
  for (int32_t k = 0; k < n; ++k) {
    int32_t p = sc.ptr[k];
    if (p == 0) orig_ptr = k;
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

Status Bzip2CompressStream(std::string_view in, int level, std::string* out, bool* used_libbz2) {
  if (used_libbz2) *used_libbz2 = false;
  const int32_t cap = 100000 * level - 19;
  if (in.size() > static_cast<size_t>(cap))
    return Status::InvalidArgument("bzip2: block larger than the level allows");
  size_t base = out->size();
  out->reserve(base + in.size() / 4 + 64);
  BitWriter bw(out);
  bw.Put(8, 'B');
  bw.Put(8, 'Z');
  bw.Put(8, 'h');
  bw.Put(8, static_cast<uint32_t>('0' + level));
  uint32_t combined = 0;
  thread_local Scratch sc;
  thread_local std::vector<uint8_t> block;
  if (sc.ptr.capacity() < static_cast<size_t>(cap)) {
    // Full size once per thread: growing a vector block by block (sizes vary
    // after RLE) reallocates, copies and faults in fresh pages every time.
    const size_t c = static_cast<size_t>(cap) + 64;
    for (auto* v : {&sc.ptr, &sc.rank, &sc.base, &sc.tail, &sc.merged}) v->reserve(c);
    sc.sa2.reserve(2 * c);
    sc.doubled.reserve(2 * c);
    sc.mtf.reserve(c + 1);
  }
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t pos = 0;
  while (pos < in.size()) {
    // RLE1 into one block: runs of 4..255 equal bytes become 4 bytes and a count.
    block.resize(static_cast<size_t>(cap));
    size_t used = 0;
    const size_t start = pos;
    while (pos < in.size()) {
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
    if (!EncodeBlock(block.data(), static_cast<int32_t>(used), crc, bw, sc)) {
      out->resize(base);
      if (used_libbz2) *used_libbz2 = true;
      return Bzip2CompressStreamLibbz2(in, level, out);
    }
    combined = ((combined << 1) | (combined >> 31)) ^ crc;
  }
  bw.Put(24, 0x177245);
  bw.Put(24, 0x385090);
  bw.Put(32, combined);
  bw.Flush();
  return Status::OK();
}

}  // namespace dw::stream
