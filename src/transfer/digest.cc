#include "transfer/digest.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include <algorithm>

namespace dw::transfer {
namespace {

class Xxh3Digester final : public Digester {
 public:
  Xxh3Digester() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
  ~Xxh3Digester() override { XXH3_freeState(state_); }
  void Update(std::string_view d) override { XXH3_128bits_update(state_, d.data(), d.size()); }
  std::string Digest() const override {
    XXH128_hash_t h = XXH3_128bits_digest(state_);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    return std::string(reinterpret_cast<const char*>(c.digest), sizeof(c.digest));
  }

 private:
  XXH3_state_t* state_;
};

class Sha256Digester final : public Digester {
 public:
  Sha256Digester() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256Digester() override { EVP_MD_CTX_free(ctx_); }
  void Update(std::string_view d) override { EVP_DigestUpdate(ctx_, d.data(), d.size()); }
  std::string Digest() const override {
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(copy, ctx_);
    unsigned char out[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(copy, out, &len);
    EVP_MD_CTX_free(copy);
    return std::string(reinterpret_cast<char*>(out), len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

void Digester::Zeros(uint64_t n) {
  static const std::string kZeros(1 << 16, '\0');
  while (n > 0) {
    size_t k = static_cast<size_t>(std::min<uint64_t>(n, kZeros.size()));
    Update(std::string_view(kZeros.data(), k));
    n -= k;
  }
}

std::unique_ptr<Digester> Digester::New(DigestAlgo algo) {
  if (algo == DigestAlgo::kSha256) return std::make_unique<Sha256Digester>();
  return std::make_unique<Xxh3Digester>();
}

}  // namespace dw::transfer
