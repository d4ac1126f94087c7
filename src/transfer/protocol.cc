#include "transfer/protocol.h"

#include <cstring>

namespace dw::transfer {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}
void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// Reads fields from a frame body; the first failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= b_.size()) return Fail();
      uint8_t c = static_cast<uint8_t>(b_[pos_++]);
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    return Fail();
  }
  uint8_t Byte() {
    if (pos_ >= b_.size()) return static_cast<uint8_t>(Fail());
    return static_cast<uint8_t>(b_[pos_++]);
  }
  std::string String(size_t max = kMaxFrameBody) {
    uint64_t n = Varint();
    if (!ok_ || n > max || n > b_.size() - pos_) {
      Fail();
      return {};
    }
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == b_.size(); }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = b_.size();
    return 0;
  }
  std::string_view b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Status Bad(std::string_view what) {
  return Status::Corruption(std::string("malformed transfer frame: ") + std::string(what));
}

struct Encoder {
  std::string* out;
  void operator()(const Header& h) {
    out->push_back(static_cast<char>(FrameType::kHeader));
    PutVarint(out, h.version);
    PutString(out, h.root);
    out->push_back(static_cast<char>(h.digest));
    PutVarint(out, h.total_bytes);
    PutVarint(out, h.entries);
  }
  void operator()(const Entry& e) {
    out->push_back(static_cast<char>(FrameType::kEntry));
    out->push_back(static_cast<char>(e.type));
    PutString(out, e.path);
    PutVarint(out, e.mode);
    PutVarint(out, e.uid);
    PutVarint(out, e.gid);
    PutVarint(out, static_cast<uint64_t>(e.mtime_ns));
    PutVarint(out, e.size);
    PutString(out, e.link_target);
    PutVarint(out, e.start);
    PutVarint(out, e.checkpoints.size());
    for (const Checkpoint& c : e.checkpoints) {
      PutVarint(out, c.offset);
      PutString(out, c.digest);
    }
  }
  void operator()(const Data& d) {
    out->append(EncodeDataHead(d));
    out->append(d.bytes);
  }
  void operator()(const Hole& h) {
    out->push_back(static_cast<char>(FrameType::kHole));
    PutVarint(out, h.offset);
    PutVarint(out, h.length);
  }
  void operator()(const FileEnd& f) {
    out->push_back(static_cast<char>(FrameType::kFileEnd));
    PutString(out, f.digest);
  }
  void operator()(const End& e) {
    out->push_back(static_cast<char>(FrameType::kEnd));
    PutVarint(out, e.entries);
    PutVarint(out, e.bytes);
  }
  void operator()(const ResumeState& r) {
    out->push_back(static_cast<char>(FrameType::kResumeState));
    out->push_back(r.last ? 1 : 0);
    PutVarint(out, r.files.size());
    for (const HaveFile& f : r.files) {
      PutString(out, f.path);
      PutVarint(out, f.size);
      out->push_back(f.complete ? 1 : 0);
      PutString(out, f.digest);
    }
  }
  void operator()(const ResultFrame& r) {
    out->push_back(static_cast<char>(FrameType::kResult));
    out->push_back(r.ok ? 1 : 0);
    PutString(out, r.message);
  }
};

}  // namespace

const char* CodecName(Codec c) {
  switch (c) {
    case Codec::kNone:
      return "none";
    case Codec::kZstd:
      return "zstd";
    case Codec::kGzip:
      return "gzip";
  }
  return "?";
}

const char* DigestName(DigestAlgo d) {
  switch (d) {
    case DigestAlgo::kXxh3:
      return "xxh3-128";
    case DigestAlgo::kSha256:
      return "sha256";
  }
  return "?";
}

std::string EncodeDataHead(const Data& d) {
  std::string out;
  out.push_back(static_cast<char>(FrameType::kData));
  PutVarint(&out, d.offset);
  out.push_back(static_cast<char>(d.codec));
  PutVarint(&out, d.raw_len);
  PutVarint(&out, d.bytes.size());
  return out;
}

std::string EncodeFrame(const Frame& frame) {
  std::string out;
  std::visit(Encoder{&out}, frame);
  return out;
}

Result<Frame> DecodeFrame(std::string_view plain) {
  if (plain.empty()) return Bad("empty frame");
  Reader r(plain.substr(1));
  auto type = static_cast<FrameType>(static_cast<uint8_t>(plain[0]));
  Frame frame;
  switch (type) {
    case FrameType::kHeader: {
      Header h;
      uint64_t v = r.Varint();
      if (v > UINT32_MAX) return Bad("header version");
      h.version = static_cast<uint32_t>(v);
      h.root = r.String(4096);
      uint8_t d = r.Byte();
      if (d != 1 && d != 2) return Bad("unknown digest algorithm");
      h.digest = static_cast<DigestAlgo>(d);
      h.total_bytes = r.Varint();
      h.entries = r.Varint();
      frame = std::move(h);
      break;
    }
    case FrameType::kEntry: {
      Entry e;
      uint8_t t = r.Byte();
      if (t < 1 || t > 4) return Bad("unknown entry type");
      e.type = static_cast<EntryType>(t);
      e.path = r.String(4096);
      uint64_t mode = r.Varint(), uid = r.Varint(), gid = r.Varint();
      if (mode > 07777 || uid > UINT32_MAX || gid > UINT32_MAX) return Bad("entry mode/owner");
      e.mode = static_cast<uint32_t>(mode);
      e.uid = static_cast<uint32_t>(uid);
      e.gid = static_cast<uint32_t>(gid);
      e.mtime_ns = static_cast<int64_t>(r.Varint());
      e.size = r.Varint();
      e.link_target = r.String(4096);
      e.start = r.Varint();
      uint64_t n = r.Varint();
      if (n > 1024) return Bad("too many checkpoints");
      for (uint64_t i = 0; i < n && r.ok(); ++i) {
        Checkpoint c;
        c.offset = r.Varint();
        c.digest = r.String(64);
        e.checkpoints.push_back(std::move(c));
      }
      if (e.start > e.size && e.type == EntryType::kFile) return Bad("entry start beyond size");
      frame = std::move(e);
      break;
    }
    case FrameType::kData: {
      Data d;
      d.offset = r.Varint();
      uint8_t c = r.Byte();
      if (c > 2) return Bad("unknown codec");
      d.codec = static_cast<Codec>(c);
      uint64_t raw = r.Varint();
      if (raw > kMaxFrameBody) return Bad("data block too large");
      d.raw_len = static_cast<uint32_t>(raw);
      d.bytes = r.String();
      if (d.codec == Codec::kNone && d.bytes.size() != d.raw_len) return Bad("data length");
      frame = std::move(d);
      break;
    }
    case FrameType::kHole: {
      Hole h;
      h.offset = r.Varint();
      h.length = r.Varint();
      frame = h;
      break;
    }
    case FrameType::kFileEnd: {
      FileEnd f;
      f.digest = r.String(64);
      frame = std::move(f);
      break;
    }
    case FrameType::kEnd: {
      End e;
      e.entries = r.Varint();
      e.bytes = r.Varint();
      frame = e;
      break;
    }
    case FrameType::kResumeState: {
      ResumeState s;
      s.last = r.Byte() != 0;
      uint64_t n = r.Varint();
      if (n > kMaxFrameBody) return Bad("resume state count");
      for (uint64_t i = 0; i < n && r.ok(); ++i) {
        HaveFile f;
        f.path = r.String(4096);
        f.size = r.Varint();
        f.complete = r.Byte() != 0;
        f.digest = r.String(64);
        s.files.push_back(std::move(f));
      }
      frame = std::move(s);
      break;
    }
    case FrameType::kResult: {
      ResultFrame res;
      res.ok = r.Byte() != 0;
      res.message = r.String(4096);
      frame = std::move(res);
      break;
    }
    default:
      return Bad("unknown frame type " + std::to_string(static_cast<int>(plain[0])));
  }
  if (!r.ok()) return Bad("truncated field");
  if (!r.AtEnd()) return Bad("trailing bytes");
  return frame;
}

std::string EncodeHello(const Hello& h) {
  std::string out(kMagic, 4);
  PutFixed32(&out, h.version);
  out += h.nonce;
  return out;
}

Result<Hello> DecodeHello(std::string_view b) {
  if (b.size() != kHelloSize || std::memcmp(b.data(), kMagic, 4) != 0)
    return Status::Corruption("not a dumpworks transfer peer (bad magic)");
  Hello h;
  h.version = GetFixed32(b.data() + 4);
  h.nonce = std::string(b.substr(8, kNonceSize));
  return h;
}

std::string EncodeProof(const Hello& h, std::string_view mac) {
  std::string out = EncodeHello(h);
  out += mac;
  return out;
}

Result<Hello> DecodeProof(std::string_view b, std::string* mac) {
  if (b.size() != kProofSize) return Status::Corruption("bad handshake proof size");
  DW_ASSIGN_OR_RETURN(Hello h, DecodeHello(b.substr(0, kHelloSize)));
  *mac = std::string(b.substr(kHelloSize));
  return h;
}

Status ValidateRootName(std::string_view root) {
  if (root.empty() || root == "." || root == ".." || root.find('/') != std::string_view::npos ||
      root.find('\0') != std::string_view::npos)
    return Status::Corruption("refused unsafe root name in stream: '" + std::string(root) + "'");
  return Status::OK();
}

Status ValidateStreamPath(std::string_view path, std::string_view root) {
  auto refuse = [&](const char* why) {
    return Status::Corruption("refused unsafe path in stream (" + std::string(why) + "): '" +
                              std::string(path) + "'");
  };
  if (path.empty()) return refuse("empty");
  if (path.size() > 4096) return refuse("too long");
  if (path.front() == '/') return refuse("absolute");
  if (path.find('\0') != std::string_view::npos) return refuse("NUL byte");
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view comp = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (comp.empty()) return refuse("empty component");
    if (comp == "." || comp == "..") return refuse("dot component");
    if (first && comp != root) return refuse("outside the transfer root");
    first = false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

}  // namespace dw::transfer
