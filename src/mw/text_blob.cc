#include "mw/text_blob.h"

#include <zlib.h>

#include <algorithm>

namespace dw::mw {

BlobFlags ParseBlobFlags(std::string_view flags) {
  BlobFlags f;
  while (!flags.empty()) {
    auto comma = flags.find(',');
    std::string_view flag = flags.substr(0, comma);
    flags = comma == std::string_view::npos ? std::string_view() : flags.substr(comma + 1);
    while (!flag.empty() && flag.front() == ' ') flag.remove_prefix(1);
    while (!flag.empty() && flag.back() == ' ') flag.remove_suffix(1);
    if (flag.empty()) continue;
    if (flag == "gzip") {
      f.gzip = true;
    } else if (flag == "utf-8" || flag == "utf8") {
      f.utf8 = true;
    } else if (flag == "object") {
      f.object = true;
    } else if (flag == "external") {
      f.external = true;
    } else if (flag == "error") {
      f.error = true;
    } else if (flag == "default") {
      // Legacy no-op flag.
    } else if (f.unknown.empty()) {
      f.unknown = std::string(flag);
    }
  }
  return f;
}

Status RawInflate(std::string_view data, std::string* out) {
  out->clear();
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return Status::IOError("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  size_t cap = std::max<size_t>(data.size() * 3, 256);
  int rc = Z_OK;
  while (true) {
    size_t have = out->size();
    if (cap > out->size()) out->resize(cap);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + have);
    zs.avail_out = static_cast<uInt>(out->size() - have);
    rc = inflate(&zs, Z_NO_FLUSH);
    out->resize(out->size() - zs.avail_out);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    cap = out->size() * 2;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    out->clear();
    return Status::Corruption(rc == Z_BUF_ERROR ? "truncated gzip (deflate) blob"
                                                : "corrupt gzip (deflate) blob");
  }
  return Status::OK();
}

Status DecodeTextBlob(std::string_view flags, std::string_view raw, std::string* out) {
  BlobFlags f = ParseBlobFlags(flags);
  if (f.error) return Status::Corruption("text row flagged 'error'");
  if (f.external) return Status::NotSupported("external blob " + std::string(raw.substr(0, 200)));
  if (f.object) return Status::NotSupported("legacy 'object' text blob");
  if (f.gzip) return RawInflate(raw, out);
  out->assign(raw.data(), raw.size());
  return Status::OK();
}

}  // namespace dw::mw
