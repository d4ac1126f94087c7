// Source: where bytes come from (a file, stdin, a socket), possibly through a
// decompressor. The reverse of Sink.
// Thread-safety: used by one thread at a time.
#pragma once

#include <cstddef>

#include "base/result.h"

namespace dw {

class Source {
 public:
  virtual ~Source() = default;
  // Reads up to n bytes into buf; returns the count, 0 only at the end of the data.
  // A truncated or corrupt compressed stream is a Corruption error, never a quiet end.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

}  // namespace dw
