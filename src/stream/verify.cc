#include "stream/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "stream/input.h"

namespace dw::stream {

namespace {

// Reads `src` to its end: *total counts the bytes, *tail keeps the last
// `tail_bytes` of them.
Status ReadToEnd(Source& src, size_t tail_bytes, uint64_t* total, std::string* tail) {
  std::vector<char> buf(1 << 20);
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, src.Read(buf.data(), buf.size()));
    if (n == 0) return Status::OK();
    *total += n;
    if (tail_bytes == 0) continue;
    if (n >= tail_bytes) {
      tail->assign(buf.data() + n - tail_bytes, tail_bytes);
    } else {
      tail->append(buf.data(), n);
      if (tail->size() > tail_bytes) tail->erase(0, tail->size() - tail_bytes);
    }
  }
}

}  // namespace

Status VerifyCompressed(Env* env, const std::string& path, VerifyResult* result,
                        size_t tail_bytes) {
  DW_ASSIGN_OR_RETURN(auto src, OpenInput(env, path));
  std::string tail;
  uint64_t total = 0;
  DW_RETURN_IF_ERROR(ReadToEnd(*src, tail_bytes, &total, &tail));
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

Status CheckWrittenTail(Env* env, const std::string& path, Compression expected,
                        uint64_t expected_size, uint64_t last_unit_offset, VerifyResult* result,
                        size_t tail_bytes) {
  DW_ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(path));
  if (size != expected_size)
    return Status::Corruption(
        fmt::format("{}: {} bytes on disk, {} written", path, size, expected_size));
  if (last_unit_offset > size)
    return Status::Corruption(fmt::format("{}: last unit at offset {} beyond the end ({})", path,
                                          last_unit_offset, size));
  // The last unit is one compressor block (about 1 MB at most): read it whole.
  // Anything much larger was not made by a block compressor: decode the file.
  constexpr uint64_t kMaxTail = 64 << 20;
  if (size - last_unit_offset > kMaxTail) {
    DW_RETURN_IF_ERROR(VerifyCompressed(env, path, result, tail_bytes));
    if (result && result->compression != expected)
      return Status::Corruption(path + ": not a " + CompressionName(expected) + " file");
    return Status::OK();
  }
  DW_ASSIGN_OR_RETURN(auto file, env->NewRandomAccessFile(path));
  auto read_at = [&](uint64_t off, size_t n, std::string* out) -> Status {
    out->resize(n);
    size_t got = 0;
    while (got < n) {
      DW_ASSIGN_OR_RETURN(size_t r, file->Read(off + got, out->data() + got, n - got));
      if (r == 0) return Status::Corruption(fmt::format("{}: shorter than {} bytes", path, size));
      got += r;
    }
    return Status::OK();
  };
  if (expected != Compression::kNone) {
    std::string head;
    DW_RETURN_IF_ERROR(read_at(0, static_cast<size_t>(std::min<uint64_t>(size, 4)), &head));
    const auto* p = reinterpret_cast<const unsigned char*>(head.data());
    Compression found = Compression::kNone;
    if (head.size() >= 2 && p[0] == 0x1f && p[1] == 0x8b)
      found = Compression::kGzip;
    else if (head.size() == 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' &&
             p[3] <= '9')
      found = Compression::kBzip2;
    else if (head.size() == 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
      found = Compression::kZstd;
    if (found != expected)
      return Status::Corruption(path + ": not a " + CompressionName(expected) + " file" +
                                (size == 0 ? " (empty)" : ""));
  }
  std::string last;
  DW_RETURN_IF_ERROR(
      read_at(last_unit_offset, static_cast<size_t>(size - last_unit_offset), &last));
  auto src = WrapDecompressor(NewStringSource(last), path);
  std::string tail;
  uint64_t total = 0;
  DW_RETURN_IF_ERROR(ReadToEnd(*src, tail_bytes, &total, &tail));
  Compression found = DetectedCompression(*src);
  if (expected != Compression::kNone && found != expected)
    return Status::Corruption(fmt::format("{}: the last unit (offset {}) is not {}", path,
                                          last_unit_offset, CompressionName(expected)));
  if (result) {
    result->compression = found;
    result->decompressed_bytes = total;
    result->tail = std::move(tail);
  }
  return Status::OK();
}

}  // namespace dw::stream
