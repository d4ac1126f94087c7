#include "transfer/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

namespace dw::transfer {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

void MakeNonce(uint64_t seq, unsigned char iv[12]) {
  for (int i = 0; i < 4; ++i) iv[i] = 0;
  for (int i = 0; i < 8; ++i) iv[4 + i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
}

std::string Label(std::string_view label, std::string_view a, std::string_view b) {
  std::string s(label);
  s += a;
  s += b;
  return s;
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    std::abort();  // no entropy: nothing safe to do
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2) return Status::InvalidArgument("odd-length hex string");
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = val(hex[i]), lo = val(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("bad hex digit");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool SecretEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string ClientMac(std::string_view key, std::string_view nonce_r, std::string_view nonce_s) {
  return HmacSha256(key, Label("dwtx v1 client", nonce_r, nonce_s));
}
std::string ServerMac(std::string_view key, std::string_view nonce_r, std::string_view nonce_s) {
  return HmacSha256(key, Label("dwtx v1 server", nonce_r, nonce_s));
}
std::string DataKey(std::string_view key) { return HmacSha256(key, "dwtx v1 data"); }
std::string BackKey(std::string_view key, std::string_view nonce_r, std::string_view nonce_s) {
  return HmacSha256(key, Label("dwtx v1 back", nonce_r, nonce_s));
}

Result<std::string> FrameCipher::Seal(uint64_t seq, std::string_view plain) const {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  unsigned char iv[12];
  MakeNonce(seq, iv);
  std::string out(plain.size() + kTagSize, '\0');
  int len = 0, fin = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()), iv) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, o + plain.size()) != 1)
    return Status::IOError("AES-256-GCM encryption failed");
  return out;
}

Status FrameCipher::SealTo(uint64_t seq, std::span<const std::string_view> plain, char* out) const {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  unsigned char iv[12];
  MakeNonce(seq, iv);
  auto* o = reinterpret_cast<unsigned char*>(out);
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                                 reinterpret_cast<const unsigned char*>(key_.data()), iv) != 1)
    return Status::IOError("AES-256-GCM encryption failed");
  for (std::string_view p : plain) {
    int len = 0;
    if (p.empty()) continue;
    if (EVP_EncryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(p.data()),
                          static_cast<int>(p.size())) != 1)
      return Status::IOError("AES-256-GCM encryption failed");
    o += len;
  }
  int fin = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), o, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, o + fin) != 1)
    return Status::IOError("AES-256-GCM encryption failed");
  return Status::OK();
}

Status FrameCipher::OpenInPlace(uint64_t seq, std::string* sealed) const {
  if (sealed->size() < kTagSize) return Status::Corruption("sealed frame shorter than its tag");
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  unsigned char iv[12];
  MakeNonce(seq, iv);
  size_t n = sealed->size() - kTagSize;
  unsigned char tag[kTagSize];
  std::memcpy(tag, sealed->data() + n, kTagSize);
  auto* o = reinterpret_cast<unsigned char*>(sealed->data());
  int len = 0, fin = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()), iv) != 1 ||
      EVP_DecryptUpdate(ctx.get(), o, &len, o, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + len, &fin) != 1)
    return Status::Corruption("frame " + std::to_string(seq) +
                              " failed authentication (tampered in transit or wrong key)");
  sealed->resize(n);
  return Status::OK();
}

Result<std::string> FrameCipher::Open(uint64_t seq, std::string_view sealed) const {
  if (sealed.size() < kTagSize) return Status::Corruption("sealed frame shorter than its tag");
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  unsigned char iv[12];
  MakeNonce(seq, iv);
  size_t n = sealed.size() - kTagSize;
  std::string out(n, '\0');
  int len = 0, fin = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(n));
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()), iv) != 1 ||
      EVP_DecryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(sealed.data()),
                        static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + len, &fin) != 1)
    return Status::Corruption("frame " + std::to_string(seq) +
                              " failed authentication (tampered in transit or wrong key)");
  return out;
}

}  // namespace dw::transfer
