#include "stream/verify.h"

#include <algorithm>
#include <vector>

#include "stream/input.h"

namespace dw::stream {

Status VerifyCompressed(Env* env, const std::string& path, VerifyResult* result,
                        size_t tail_bytes) {
  DW_ASSIGN_OR_RETURN(auto src, OpenInput(env, path));
  std::vector<char> buf(1 << 20);
  std::string tail;
  uint64_t total = 0;
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, src->Read(buf.data(), buf.size()));
    if (n == 0) break;
    total += n;
    if (tail_bytes > 0) {
      if (n >= tail_bytes) {
        tail.assign(buf.data() + n - tail_bytes, tail_bytes);
      } else {
        tail.append(buf.data(), n);
        if (tail.size() > tail_bytes) tail.erase(0, tail.size() - tail_bytes);
      }
    }
  }
  Compression found = DetectedCompression(*src);
  Compression expected = CompressionFromPath(path);
  if (expected != Compression::kNone && found != expected) {
    return Status::Corruption(path + ": not a " + CompressionName(expected) + " file" +
                              (total == 0 && found == Compression::kNone ? " (empty)" : ""));
  }
  if (result) {
    result->compression = found;
    result->decompressed_bytes = total;
    result->tail = std::move(tail);
  }
  return Status::OK();
}

}  // namespace dw::stream
