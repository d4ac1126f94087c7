// Digests of byte streams: md5, sha1, sha256 (OpenSSL EVP) and xxh3-128 (xxHash).
//
//   Hasher h(kMd5 | kSha1);
//   h.Update(buf);                      // any number of times
//   Digests d = h.Finish();             // d.md5 == "d41d8cd98f00b204e9800998ecf8427e" for ""
//
// Hex output is lowercase, as md5sum/sha1sum print it; xxh3-128 is the 32-digit
// big-endian hex that `xxh128sum` prints. A digest not asked for is "".
// HashSink computes the same while passing bytes to the next Sink (used under a
// compressor to checksum the final file in the same pass).
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "stream/sink.h"

namespace dw::stream {

enum HashKind : unsigned {
  kMd5 = 1u << 0,
  kSha1 = 1u << 1,
  kSha256 = 1u << 2,
  kXxh128 = 1u << 3,
};

struct Digests {
  std::string md5, sha1, sha256, xxh128;
  // The digest for one kind (exactly one bit set); "" if not computed.
  const std::string& Get(HashKind kind) const;
};

// Parses "md5", "sha1", "sha256", "xxh128" (comma-separated) into a HashKind mask.
Result<unsigned> ParseHashKinds(std::string_view list);

class Hasher {
 public:
  explicit Hasher(unsigned kinds);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(std::string_view data);
  // Returns the digests and resets the hasher for a new stream.
  Digests Finish();
  unsigned kinds() const { return kinds_; }

 private:
  struct Impl;
  unsigned kinds_;
  std::unique_ptr<Impl> impl_;
};

// Passes everything to `next` and hashes it. Close() closes `next` (and deletes it
// if owned); digests() is valid after Close().
class HashSink final : public Sink {
 public:
  HashSink(Sink* next, unsigned kinds) : next_(next), hasher_(kinds) {}
  HashSink(std::unique_ptr<Sink> next, unsigned kinds)
      : owned_(std::move(next)), next_(owned_.get()), hasher_(kinds) {}
  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_; }
  const Digests& digests() const { return digests_; }

 private:
  std::unique_ptr<Sink> owned_;
  Sink* next_;
  Hasher hasher_;
  Digests digests_;
  uint64_t bytes_ = 0;
  bool closed_ = false;
  Status status_;
};

}  // namespace dw::stream
