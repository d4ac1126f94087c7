// Keys, handshake MACs and AES-256-GCM frame sealing for dumpworks transfer.
//
// One random 32-byte key per transfer, made by the orchestrator and handed to
// every agent over its ssh control channel (stdin); it never appears on a
// command line or in a log. From it:
//   ClientMac/ServerMac  prove possession of the key in the handshake;
//   DataKey              seals the shared stream (frame i uses nonce i), so the
//                        stream is encrypted once and the same bytes go to every
//                        target;
//   BackKey              seals the few frames a receiver sends back (per connection).
// Thread-safety: all functions are pure; a FrameCipher is immutable after
// construction and may be used from several threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dw::transfer {

inline constexpr size_t kKeySize = 32;
inline constexpr size_t kTagSize = 16;

std::string RandomBytes(size_t n);
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);

std::string HmacSha256(std::string_view key, std::string_view data);
// Constant-time comparison of equal-length secrets.
bool SecretEquals(std::string_view a, std::string_view b);

std::string ClientMac(std::string_view key, std::string_view nonce_r, std::string_view nonce_s);
std::string ServerMac(std::string_view key, std::string_view nonce_r, std::string_view nonce_s);
std::string DataKey(std::string_view key);
std::string BackKey(std::string_view key, std::string_view nonce_r, std::string_view nonce_s);

class FrameCipher {
 public:
  explicit FrameCipher(std::string key) : key_(std::move(key)) {}
  // ciphertext || 16-byte tag; the nonce is the frame's sequence number.
  Result<std::string> Seal(uint64_t seq, std::string_view plain) const;
  // Seal without a copy: encrypts the concatenation of `plain` straight into
  // `out`, which must hold sum(plain sizes) + kTagSize bytes (tag last).
  Status SealTo(uint64_t seq, std::span<const std::string_view> plain, char* out) const;
  // Fails with Corruption if the tag does not verify (tampered, wrong key, wrong seq).
  Result<std::string> Open(uint64_t seq, std::string_view sealed) const;
  // Open in place: *sealed becomes the plaintext (same checks as Open).
  Status OpenInPlace(uint64_t seq, std::string* sealed) const;

 private:
  std::string key_;
};

}  // namespace dw::transfer
