#include "stream/input.h"

#include <bzlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stream/seven_zip.h"

namespace dw::stream {
namespace {

class FileSource final : public Source {
 public:
  explicit FileSource(std::unique_ptr<SequentialFile> f) : file_(std::move(f)) {}
  Result<size_t> Read(char* buf, size_t n) override { return file_->Read(buf, n); }

 private:
  std::unique_ptr<SequentialFile> file_;
};

class StdinSource final : public Source {
 public:
  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t r = ::read(0, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      return Status::FromErrno("read stdin", errno);
    }
  }
};

class StringSource final : public Source {
 public:
  explicit StringSource(std::string_view d) : data_(d) {}
  Result<size_t> Read(char* buf, size_t n) override {
    n = std::min(n, data_.size());
    std::memcpy(buf, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
};

constexpr size_t kInBuf = 1 << 20;

class DecompressingSource final : public Source {
 public:
  DecompressingSource(std::unique_ptr<Source> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), in_(kInBuf, '\0') {}
  ~DecompressingSource() override { EndCodec(); }

  Compression kind() const { return kind_; }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!status_.ok()) return status_;
    if (n == 0) return size_t{0};
    if (!detected_) {
      Status s = Detect();
      if (!s.ok()) return status_ = s;
    }
    Result<size_t> r = kind_ == Compression::kNone    ? ReadPlain(buf, n)
                       : kind_ == Compression::kGzip  ? ReadGzip(buf, n)
                       : kind_ == Compression::kBzip2 ? ReadBzip2(buf, n)
                                                      : ReadZstd(buf, n);
    if (!r.ok()) status_ = r.status();
    return r;
  }

 private:
  size_t avail() const { return len_ - pos_; }

  // Refills the input buffer when it is empty. Returns false at the end of input.
  Result<bool> Fill() {
    if (avail() > 0) return true;
    if (eof_) return false;
    pos_ = len_ = 0;
    DW_ASSIGN_OR_RETURN(size_t got, raw_->Read(in_.data(), in_.size()));
    if (got == 0) {
      eof_ = true;
      return false;
    }
    len_ = got;
    return true;
  }

  Status Detect() {
    // Read until we have 6 bytes (the longest magic) or the end.
    while (len_ < 6 && !eof_) {
      DW_ASSIGN_OR_RETURN(size_t got, raw_->Read(in_.data() + len_, in_.size() - len_));
      if (got == 0) eof_ = true;
      len_ += got;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
    if (len_ >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
      kind_ = Compression::kGzip;
    } else if (len_ >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' &&
               p[3] <= '9') {
      kind_ = Compression::kBzip2;
    } else if (len_ >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
      kind_ = Compression::kZstd;
    } else if (IsSevenZipMagic(std::string_view(in_.data(), len_))) {
      return Status::NotSupported(name_ +
                                  ": a .7z archive cannot be read from a pipe (7-Zip needs to "
                                  "seek in it); give its file name");
    }
    detected_ = true;
    return Status::OK();
  }

  Status Corrupt(std::string_view what) {
    return Status::Corruption(name_ + ": " + std::string(what));
  }

  Result<size_t> ReadPlain(char* buf, size_t n) {
    if (avail() > 0) {
      size_t k = std::min(n, avail());
      std::memcpy(buf, in_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    if (eof_) return size_t{0};
    return raw_->Read(buf, n);
  }

  // True if the next unread bytes start a new unit of the current format. At
  // the end of the data returns false; other bytes are garbage (Corruption).
  Result<bool> NextUnitStarts(const char* magic, size_t magic_len, std::string_view fmt) {
    DW_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return false;
    // Make sure the magic is entirely in the buffer.
    if (avail() < magic_len) {
      std::memmove(in_.data(), in_.data() + pos_, avail());
      len_ = avail();
      pos_ = 0;
      while (len_ < magic_len && !eof_) {
        DW_ASSIGN_OR_RETURN(size_t got, raw_->Read(in_.data() + len_, in_.size() - len_));
        if (got == 0) eof_ = true;
        len_ += got;
      }
    }
    if (avail() < magic_len || std::memcmp(in_.data() + pos_, magic, magic_len) != 0)
      return Corrupt("data after the end of the last " + std::string(fmt) +
                     " unit is not another one (trailing garbage)");
    return true;
  }

  // ---- gzip
  Result<size_t> ReadGzip(char* buf, size_t n) {
    if (!zinit_) {
      if (inflateInit2(&z_, 15 + 16) != Z_OK) return Corrupt("inflateInit failed");
      zinit_ = true;
      unit_open_ = true;
    }
    while (true) {
      if (!unit_open_) {
        DW_ASSIGN_OR_RETURN(bool next, NextUnitStarts("\x1f\x8b", 2, "gzip"));
        if (!next) return size_t{0};
        inflateReset(&z_);
        unit_open_ = true;
      }
      DW_ASSIGN_OR_RETURN(bool more, Fill());
      z_.next_in = reinterpret_cast<Bytef*>(in_.data() + pos_);
      z_.avail_in = static_cast<uInt>(avail());
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
      uInt out_before = z_.avail_out;
      int r = inflate(&z_, Z_NO_FLUSH);
      pos_ = len_ - z_.avail_in;
      size_t produced = out_before - z_.avail_out;
      if (r == Z_STREAM_END) {
        unit_open_ = false;
      } else if (r != Z_OK && r != Z_BUF_ERROR) {
        return Corrupt(std::string("corrupt gzip data (") + (z_.msg ? z_.msg : "inflate error") +
                       ")");
      }
      if (produced > 0) return produced;
      if (!more && unit_open_) return Corrupt("truncated gzip data (unexpected end of file)");
    }
  }

  // ---- bzip2
  Result<size_t> ReadBzip2(char* buf, size_t n) {
    while (true) {
      if (!unit_open_) {
        if (started_) {
          DW_ASSIGN_OR_RETURN(bool next, NextUnitStarts("BZh", 3, "bzip2"));
          if (!next) return size_t{0};
        }
        started_ = true;
        std::memset(&bz_, 0, sizeof(bz_));
        if (BZ2_bzDecompressInit(&bz_, 0, 0) != BZ_OK) return Corrupt("bzip2 init failed");
        bzinit_ = true;
        unit_open_ = true;
      }
      DW_ASSIGN_OR_RETURN(bool more, Fill());
      bz_.next_in = in_.data() + pos_;
      bz_.avail_in = static_cast<unsigned>(avail());
      bz_.next_out = buf;
      bz_.avail_out = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
      unsigned out_before = bz_.avail_out;
      int r = BZ2_bzDecompress(&bz_);
      pos_ = len_ - bz_.avail_in;
      size_t produced = out_before - bz_.avail_out;
      if (r == BZ_STREAM_END) {
        BZ2_bzDecompressEnd(&bz_);
        bzinit_ = false;
        unit_open_ = false;
      } else if (r != BZ_OK) {
        return Corrupt(r == BZ_DATA_ERROR ? "corrupt bzip2 data (bad block or CRC)"
                                          : "corrupt bzip2 data (error " + std::to_string(r) + ")");
      }
      if (produced > 0) return produced;
      if (!more && unit_open_) return Corrupt("truncated bzip2 data (unexpected end of file)");
    }
  }

  // ---- zstd
  Result<size_t> ReadZstd(char* buf, size_t n) {
    if (!dctx_) dctx_ = ZSTD_createDCtx();
    while (true) {
      DW_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more && !frame_open_) return size_t{0};
      ZSTD_inBuffer in{in_.data() + pos_, avail(), 0};
      ZSTD_outBuffer out{buf, n, 0};
      size_t r = ZSTD_decompressStream(dctx_, &out, &in);
      pos_ += in.pos;
      if (ZSTD_isError(r))
        return Corrupt(std::string("corrupt zstd data (") + ZSTD_getErrorName(r) + ")");
      frame_open_ = r != 0;
      if (out.pos > 0) return out.pos;
      // No input left, no output flushed, frame not finished: the file ends mid-frame.
      if (!more) return Corrupt("truncated zstd data (unexpected end of file)");
    }
  }

  void EndCodec() {
    if (zinit_) inflateEnd(&z_);
    if (bzinit_) BZ2_bzDecompressEnd(&bz_);
    if (dctx_) ZSTD_freeDCtx(dctx_);
  }

  std::unique_ptr<Source> raw_;
  std::string name_;
  std::string in_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  bool detected_ = false;
  Compression kind_ = Compression::kNone;
  Status status_;
  bool unit_open_ = false;
  bool started_ = false;
  z_stream z_{};
  bool zinit_ = false;
  bz_stream bz_{};
  bool bzinit_ = false;
  ZSTD_DCtx* dctx_ = nullptr;
  bool frame_open_ = false;
};

}  // namespace

std::unique_ptr<Source> NewFileSource(std::unique_ptr<SequentialFile> file) {
  return std::make_unique<FileSource>(std::move(file));
}
std::unique_ptr<Source> NewStdinSource() { return std::make_unique<StdinSource>(); }
std::unique_ptr<Source> NewStringSource(std::string_view data) {
  return std::make_unique<StringSource>(data);
}

std::unique_ptr<Source> WrapDecompressor(std::unique_ptr<Source> raw, std::string name) {
  return std::make_unique<DecompressingSource>(std::move(raw), std::move(name));
}

Result<std::unique_ptr<Source>> OpenInput(Env* env, const std::string& path) {
  if (path == "-") return WrapDecompressor(NewStdinSource(), "stdin");
  DW_ASSIGN_OR_RETURN(auto file, env->NewSequentialFile(path));
  // .7z, by name or by magic: unpacked by 7za in a child process.
  bool seven_zip = path.ends_with(".7z");
  if (!seven_zip) {
    char magic[6];
    size_t have = 0;
    while (have < sizeof magic) {
      DW_ASSIGN_OR_RETURN(size_t got, file->Read(magic + have, sizeof magic - have));
      if (got == 0) break;
      have += got;
    }
    seven_zip = IsSevenZipMagic(std::string_view(magic, have));
    if (!seven_zip) {
      DW_ASSIGN_OR_RETURN(file, env->NewSequentialFile(path));  // from the start again
    }
  }
  if (seven_zip) {
    file.reset();
    DW_ASSIGN_OR_RETURN(auto unpacked, OpenSevenZip(path));
    return WrapDecompressor(std::move(unpacked), path);
  }
  return WrapDecompressor(NewFileSource(std::move(file)), path);
}

Compression DetectedCompression(const Source& source) {
  auto* d = dynamic_cast<const DecompressingSource*>(&source);
  return d ? d->kind() : Compression::kNone;
}

}  // namespace dw::stream
