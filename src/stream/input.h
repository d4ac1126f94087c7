// Input sources that decompress what they read.
//
// OpenInput(env, path) opens a file ("-" = stdin) and looks at its first bytes:
//   1f 8b        gzip   (any number of members, as pigz/concatenated parts make)
//   "BZh1".."9"  bzip2  (any number of streams: multistream dumps, lbzip2 output)
//   28 b5 2f fd  zstd   (any number of frames, skippable frames allowed)
//   37 7a bc af 27 1c, or a name ending in .7z: 7-Zip, unpacked by `7za x -so`
//                       (stream/seven_zip.h; files only, not stdin)
//   anything else       plain bytes, passed through
// A truncated or corrupt compressed file is a Corruption error naming the file,
// never a quiet end of data; so is garbage after the last complete unit.
//
// Memory: fixed buffers (~1 MB), whatever the file size.
// Thread-safety: a Source is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "env/env.h"
#include "stream/compress.h"
#include "stream/source.h"

namespace dw::stream {

Result<std::unique_ptr<Source>> OpenInput(Env* env, const std::string& path_or_dash);

// Detects the compression of `raw` by its magic bytes and decompresses it (or
// passes plain data through). `name` is used in error messages ("stdin",
// "socket from db1001").
std::unique_ptr<Source> WrapDecompressor(std::unique_ptr<Source> raw, std::string name);

// A Source over a SequentialFile, or over file descriptor 0 (name "stdin").
std::unique_ptr<Source> NewFileSource(std::unique_ptr<SequentialFile> file);
std::unique_ptr<Source> NewStdinSource();
// A Source over bytes in memory (tests); `data` must outlive it.
std::unique_ptr<Source> NewStringSource(std::string_view data);

// The compression a DecompressingSource found; kNone for plain data or before
// the first Read().
Compression DetectedCompression(const Source& source);

}  // namespace dw::stream
