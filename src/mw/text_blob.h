// Text blobs: turning a text row (old_text, old_flags) into the revision text,
// the way MediaWiki's SqlBlobStore::expandBlob() does.
//
// Flags (comma-separated): "utf-8" (text is UTF-8; without it, text in
// $wgLegacyEncoding, which dumpworks treats as UTF-8 like a default install),
// "gzip" (raw DEFLATE, PHP gzdeflate), "object" (serialized PHP history
// object), "external" (old_text is a URL like DB://cluster/id); the last two are
// resolved by DecodeTextRow() (mw/external_store.h), not here; "error"
// (MediaWiki's marker of a failed write).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace dw::mw {

struct BlobFlags {
  bool gzip = false;
  bool utf8 = false;
  bool object = false;
  bool external = false;
  bool error = false;
  std::string unknown;  // the first unknown flag, if any
};

BlobFlags ParseBlobFlags(std::string_view flags);

// Decodes `raw` by `flags` into *out. Corruption for a bad gzip stream,
// NotSupported for object/unknown flags and external URLs (not resolved here).
Status DecodeTextBlob(std::string_view flags, std::string_view raw, std::string* out);

// Inflates raw DEFLATE data (no zlib/gzip header) into *out.
Status RawInflate(std::string_view data, std::string* out);

}  // namespace dw::mw
