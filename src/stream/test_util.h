// Helpers for the stream unit tests (not part of the library).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include "stream/input.h"

namespace dw::stream::test {

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dwstream.XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Raw DEFLATE of `s` (no header: what PHP's gzdeflate writes, MediaWiki's
// `gzip` text flag).
inline std::string RawDeflate(std::string_view s) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(s.size() + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Deterministic XML-like text (compressible, with long repeats like a history dump).
inline std::string XmlLike(size_t bytes, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  static const char* kWords[] = {"<page>",      "<title>",    "Main Page",
                                 "</title>",    "<revision>", "<text xml:space=\"preserve\">",
                                 "lorem",       "ipsum",      "&amp;",
                                 "\n    ",      "[[Link]]",   "{{Template}}",
                                 "</revision>", "dolor",      "sit",
                                 "amet",        "</page>\n"};
  std::string out;
  out.reserve(bytes + 64);
  while (out.size() < bytes) {
    out += kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
    if (rng() % 7 == 0) out += std::to_string(rng() % 100000);
    out += ' ';
  }
  out.resize(bytes);
  return out;
}

inline std::string RandomBytes(size_t bytes, uint32_t seed = 2) {
  std::mt19937 rng(seed);
  std::string out(bytes, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// Decodes everything from a Source; returns the error text on failure.
inline Result<std::string> ReadAll(Source* src, size_t chunk = 65536) {
  std::string out, buf(chunk, '\0');
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, src->Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

inline Result<std::string> Decode(std::string_view compressed, size_t chunk = 65536) {
  auto src = WrapDecompressor(NewStringSource(compressed), "test-data");
  return ReadAll(src.get(), chunk);
}

}  // namespace dw::stream::test
