// Checking that a compressed file is complete.
//
// VerifyCompressed() decodes the whole file (streaming, bounded memory) and
// succeeds only if it is one or more COMPLETE units of its format: bzip2 streams
// with their end-of-stream marker and combined CRC, gzip members with their CRC32
// and length trailer, zstd frames (with their checksum when present). A file named
// *.gz/*.bz2/*.zst must be of that format (an empty file is not); other files are
// checked as whatever their magic bytes say (plain data always passes).
// Errors: Corruption naming the file and what is wrong; IOError/NotFound from Env.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "env/env.h"
#include "stream/compress.h"

namespace dw::stream {

struct VerifyResult {
  Compression compression = Compression::kNone;
  uint64_t decompressed_bytes = 0;
  std::string tail;  // the last `tail_bytes` bytes of the decompressed data
};

// `tail_bytes`: how much of the end of the decompressed data to return in
// result->tail (e.g. to check that XML ends with "</mediawiki>\n"). `result` may
// be null.
Status VerifyCompressed(Env* env, const std::string& path, VerifyResult* result = nullptr,
                        size_t tail_bytes = 0);

// The cheap check of a file this process has just written and closed, instead of
// decoding it all (dump runs use it before publishing): the compressor made
// every unit itself, so only the file on disk is checked:
//  - its size is `expected_size` (the bytes written), and
//  - it starts with the magic bytes of `expected` (unless kNone), and
//  - the bytes from `last_unit_offset` to the end are one or more COMPLETE units
//    of `expected` (bzip2 end-of-stream marker and combined CRC; gzip CRC32 and
//    ISIZE trailer; zstd frame checksum): they are read back and decoded.
// result->decompressed_bytes is the decoded size of that last part only, and
// result->tail its last `tail_bytes` bytes. Errors: Corruption naming the file
// and what is wrong; IOError/NotFound from Env. `dumpworks verify` (a full
// VerifyCompressed) remains the thorough check.
Status CheckWrittenTail(Env* env, const std::string& path, Compression expected,
                        uint64_t expected_size, uint64_t last_unit_offset,
                        VerifyResult* result = nullptr, size_t tail_bytes = 0);

}  // namespace dw::stream
