// The dumpworks transfer wire format, version 1 (docs/transfer-protocol.md).
//
// Pure functions: encoding and decoding of handshake messages and frames, and
// the validation of the relative paths a stream may name. Nothing here touches a
// socket or a file, so every rule is unit-tested in isolation.
//
// A stream after the handshake is a sequence of frames on the wire:
//   u32 big-endian length L (of the body), then L bytes of body.
// Body = the plaintext frame (encryption off) or AES-256-GCM(plaintext) || tag.
// Plaintext frame = u8 FrameType, then the fields of that type (varints, strings
// as varint length + bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace dw::transfer {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr char kMagic[4] = {'D', 'W', 'T', 'X'};
// Largest frame body accepted on the wire; bigger length prefixes are corruption.
inline constexpr uint32_t kMaxFrameBody = 8u << 20;
// Uncompressed bytes of file content per Data frame.
inline constexpr uint32_t kBlockSize = 1u << 20;

enum class FrameType : uint8_t {
  kHeader = 1,       // first frame of a stream
  kEntry = 2,        // a file, directory, symlink or byte stream that follows
  kData = 3,         // content of the current entry at an offset
  kHole = 4,         // a range of zeros (sparse hole) of the current entry
  kFileEnd = 5,      // end of the current entry, with its digest
  kEnd = 6,          // end of the stream, with totals
  kResumeState = 7,  // receiver -> sender: what the target already has
  kResult = 8,       // receiver -> sender: the target's verdict after kEnd
};

enum class EntryType : uint8_t { kFile = 1, kDir = 2, kSymlink = 3, kStream = 4 };
enum class Codec : uint8_t { kNone = 0, kZstd = 1, kGzip = 2 };
enum class DigestAlgo : uint8_t { kXxh3 = 1, kSha256 = 2 };

const char* CodecName(Codec c);
const char* DigestName(DigestAlgo d);

struct Header {
  uint32_t version = kProtocolVersion;
  std::string root;  // name of the top entry (basename of the source)
  DigestAlgo digest = DigestAlgo::kXxh3;
  uint64_t total_bytes = 0;  // logical bytes of all files (progress, space)
  uint64_t entries = 0;
};

// A resume checkpoint: digest of the first `offset` bytes of a file.
struct Checkpoint {
  uint64_t offset = 0;
  std::string digest;
};

struct Entry {
  EntryType type = EntryType::kFile;
  std::string path;   // relative, '/'-separated, first component == Header::root
  uint32_t mode = 0;  // permission bits (07777)
  uint32_t uid = 0, gid = 0;
  int64_t mtime_ns = 0;
  uint64_t size = 0;        // files: logical size; streams: 0 (unknown)
  std::string link_target;  // symlinks
  // Resume: data of this file starts at `start`; receivers whose prefix digest
  // equals one of `checkpoints` keep that many bytes, others must have start == 0.
  uint64_t start = 0;
  std::vector<Checkpoint> checkpoints;
};

struct Data {
  uint64_t offset = 0;
  Codec codec = Codec::kNone;
  uint32_t raw_len = 0;  // bytes after decompression
  std::string bytes;     // as sent (compressed when codec != kNone)
};

struct Hole {
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct FileEnd {
  std::string digest;  // of the whole logical content (holes as zeros)
};

struct End {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// What a receiver has of one file from an earlier, interrupted run.
struct HaveFile {
  std::string path;
  uint64_t size = 0;      // bytes present (the verified-so-far prefix candidate)
  bool complete = false;  // verified complete in the earlier run
  std::string digest;     // digest of the first `size` bytes
};

struct ResumeState {
  std::vector<HaveFile> files;
  bool last = true;  // more ResumeState frames follow when false
};

struct ResultFrame {
  bool ok = false;
  std::string message;
};

using Frame = std::variant<Header, Entry, Data, Hole, FileEnd, End, ResumeState, ResultFrame>;

std::string EncodeFrame(const Frame& frame);
// The encoding of a Data frame without its content bytes, so that the bytes can
// be written (or sealed) from where they are: EncodeFrame(d) == EncodeDataHead(d) + d.bytes.
std::string EncodeDataHead(const Data& d);
// Decodes one plaintext frame; any malformed field is a Corruption error.
Result<Frame> DecodeFrame(std::string_view plain);

// Handshake (plaintext, fixed sizes):
//   receiver -> sender  Hello     = magic(4) version(u32 BE) nonce(32)            = 40 bytes
//   sender -> receiver  Proof     = magic(4) version(u32 BE) nonce(32) mac(32)    = 72 bytes
//   receiver -> sender  Confirm   = mac(32)
inline constexpr size_t kNonceSize = 32;
inline constexpr size_t kMacSize = 32;
inline constexpr size_t kHelloSize = 4 + 4 + kNonceSize;
inline constexpr size_t kProofSize = kHelloSize + kMacSize;

struct Hello {
  uint32_t version = kProtocolVersion;
  std::string nonce;  // kNonceSize bytes
};
std::string EncodeHello(const Hello& h);
Result<Hello> DecodeHello(std::string_view b);
std::string EncodeProof(const Hello& h, std::string_view mac);
// Returns the Hello part; *mac receives the mac.
Result<Hello> DecodeProof(std::string_view b, std::string* mac);

// Checks a path named by a stream: relative, '/'-separated, no empty, "." or ".."
// component, no NUL, at most 4096 bytes, and its first component is `root`.
Status ValidateStreamPath(std::string_view path, std::string_view root);
// Checks a root name: one component, not "." or "..", no '/', not empty.
Status ValidateRootName(std::string_view root);

}  // namespace dw::transfer
