#include "stream/hash.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include <cstdio>

namespace dw::stream {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

}  // namespace

const std::string& Digests::Get(HashKind kind) const {
  switch (kind) {
    case kMd5:
      return md5;
    case kSha1:
      return sha1;
    case kSha256:
      return sha256;
    case kXxh128:
      return xxh128;
  }
  return md5;
}

Result<unsigned> ParseHashKinds(std::string_view list) {
  unsigned kinds = 0;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    if (name == "md5")
      kinds |= kMd5;
    else if (name == "sha1")
      kinds |= kSha1;
    else if (name == "sha256")
      kinds |= kSha256;
    else if (name == "xxh128")
      kinds |= kXxh128;
    else if (!name.empty())
      return Status::InvalidArgument("unknown digest '" + std::string(name) +
                                     "' (known: md5, sha1, sha256, xxh128)");
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return kinds;
}

struct Hasher::Impl {
  EVP_MD_CTX* md5 = nullptr;
  EVP_MD_CTX* sha1 = nullptr;
  EVP_MD_CTX* sha256 = nullptr;
  XXH3_state_t* xxh = nullptr;

  static EVP_MD_CTX* NewCtx(const EVP_MD* md) {
    EVP_MD_CTX* c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, md, nullptr);
    return c;
  }
  static std::string FinishCtx(EVP_MD_CTX* c, const EVP_MD* md) {
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(c, buf, &n);
    EVP_DigestInit_ex(c, md, nullptr);
    return Hex(buf, n);
  }
};

Hasher::Hasher(unsigned kinds) : kinds_(kinds), impl_(std::make_unique<Impl>()) {
  if (kinds & kMd5) impl_->md5 = Impl::NewCtx(EVP_md5());
  if (kinds & kSha1) impl_->sha1 = Impl::NewCtx(EVP_sha1());
  if (kinds & kSha256) impl_->sha256 = Impl::NewCtx(EVP_sha256());
  if (kinds & kXxh128) {
    impl_->xxh = XXH3_createState();
    XXH3_128bits_reset(impl_->xxh);
  }
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(impl_->md5);
  EVP_MD_CTX_free(impl_->sha1);
  EVP_MD_CTX_free(impl_->sha256);
  if (impl_->xxh) XXH3_freeState(impl_->xxh);
}

void Hasher::Update(std::string_view data) {
  if (impl_->md5) EVP_DigestUpdate(impl_->md5, data.data(), data.size());
  if (impl_->sha1) EVP_DigestUpdate(impl_->sha1, data.data(), data.size());
  if (impl_->sha256) EVP_DigestUpdate(impl_->sha256, data.data(), data.size());
  if (impl_->xxh) XXH3_128bits_update(impl_->xxh, data.data(), data.size());
}

Digests Hasher::Finish() {
  Digests d;
  if (impl_->md5) d.md5 = Impl::FinishCtx(impl_->md5, EVP_md5());
  if (impl_->sha1) d.sha1 = Impl::FinishCtx(impl_->sha1, EVP_sha1());
  if (impl_->sha256) d.sha256 = Impl::FinishCtx(impl_->sha256, EVP_sha256());
  if (impl_->xxh) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(impl_->xxh));
    d.xxh128 = Hex(c.digest, sizeof(c.digest));
    XXH3_128bits_reset(impl_->xxh);
  }
  return d;
}

Status HashSink::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  hasher_.Update(data);
  bytes_ += data.size();
  status_ = next_->Append(data);
  return status_;
}

Status HashSink::EndUnit(OffsetCallback on_next_offset) {
  if (!status_.ok()) return status_;
  status_ = next_->EndUnit(std::move(on_next_offset));
  return status_;
}

Status HashSink::Close() {
  if (closed_) return status_;
  closed_ = true;
  Status s = next_->Close();
  if (status_.ok()) status_ = s;
  if (status_.ok()) digests_ = hasher_.Finish();
  return status_;
}

}  // namespace dw::stream
