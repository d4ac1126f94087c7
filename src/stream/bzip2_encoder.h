// A bzip2 block encoder: turns up to one block of input into a complete bzip2
// stream ("BZh9", block(s), end-of-stream marker, combined CRC) that any bzip2
// decoder reads.
//
// Why not only libbz2: its block sort is the bottleneck (about 7 MB/s per core on
// wiki XML, where lbzip2 does about 25). This encoder sorts the block's rotations
// with libdivsufsort and does the rest of the bzip2 pipeline (RLE, move-to-front,
// Huffman coding with up to 6 tables) itself. One suffix sort gives the rotation
// order: the block's least rotation (found in linear time) sorts its rotations
// like its suffixes, so no tail fix-up or doubled sort is needed. The output
// differs from libbz2's bytes but is the same format, and it is deterministic.
// libbz2 is used only if libdivsufsort fails.
//
// Thread-safety: a pure function; call it from any number of threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dw::stream {

// Compresses `in` (at most 100,000 * level - 19 bytes) into one complete bzip2
// stream appended to *out. level 1..9 is the block size in 100 kB units.
// *used_libbz2 (if given) tells whether the block was handed to libbz2.
Status Bzip2CompressStream(std::string_view in, int level, std::string* out,
                           bool* used_libbz2 = nullptr);

// The same with libbz2 (reference and fallback).
Status Bzip2CompressStreamLibbz2(std::string_view in, int level, std::string* out);

// The Burrows-Wheeler transform as bzip2 defines it (for tests and benchmarks):
// sorts the rotations of `block` (1..2^31-1 bytes, the bytes after RLE1), sets
// *last to the last byte of each rotation in sorted order and *orig_ptr to the
// row of the rotation that is `block` itself.
Status Bzip2Bwt(std::string_view block, std::string* last, int32_t* orig_ptr);

}  // namespace dw::stream
