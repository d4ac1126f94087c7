// Streaming per-file digests: XXH3-128 (default, ~10 GB/s) or SHA-256.
// Digest() does not end the stream, so a sender can take checkpoint digests of
// prefixes while it keeps hashing. Thread-safety: one thread per object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "transfer/protocol.h"

namespace dw::transfer {

class Digester {
 public:
  virtual ~Digester() = default;
  virtual void Update(std::string_view data) = 0;
  // The digest of everything so far (raw bytes: 16 for xxh3, 32 for sha256).
  virtual std::string Digest() const = 0;
  // Hashes n zero bytes (a sparse hole).
  void Zeros(uint64_t n);

  static std::unique_ptr<Digester> New(DigestAlgo algo);
};

}  // namespace dw::transfer
