// .7z input: Debian 12 has no 7-Zip library, so the archive is unpacked by a
// child process, `7za x -so -bd ARCHIVE` (package p7zip-full; Wikimedia's dump
// scripts run 7za too), and its stdout is read as a Source. Every file of the
// archive comes out, in order, concatenated.
//
// A .7z archive is read from its end (the header sits there), so it must be a
// seekable file: stdin/pipes are refused with one clear line.
//
// Failures, each one line naming the archive: 7za missing ("install
// p7zip-full"), a corrupt or truncated archive (7za's own error line, at the
// end of the data or when 7za exits non-zero).
//
// Thread-safety: a Source is used by one thread at a time. Destroying it
// before the end kills and reaps the child.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "stream/source.h"

namespace dw::stream {

// The 6 bytes a .7z archive starts with: '7' 'z' BC AF 27 1C.
bool IsSevenZipMagic(std::string_view first_bytes);

// Starts `7za x -so` on `path` (the program: $DW_7ZA, else 7za, else 7z on
// PATH) and returns its output as a Source (not decompressed further).
Result<std::unique_ptr<Source>> OpenSevenZip(const std::string& path);

}  // namespace dw::stream
