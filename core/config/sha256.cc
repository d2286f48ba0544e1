#include "config/sha256.h"

#include <openssl/evp.h>

#include <new>

namespace trestle::core {
namespace {

// libcrypto fails these calls only when it cannot allocate.
void Require(int ok) {
  if (ok != 1) throw std::bad_alloc();
}

}  // namespace

void Sha256::ContextDeleter::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_) throw std::bad_alloc();
  Reset();
}

void Sha256::Reset() { Require(EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr)); }

void Sha256::Update(std::string_view data) {
  Require(EVP_DigestUpdate(context_.get(), data.data(), data.size()));
}

Sha256::Digest Sha256::Finish() {
  Digest digest;  // EVP_sha256() writes exactly 32 bytes
  Require(EVP_DigestFinal_ex(context_.get(), digest.data(), nullptr));
  return digest;
}

std::string ToHex(const Sha256::Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  Sha256 hasher;
  hasher.Update(data);
  return ToHex(hasher.Finish());
}

}  // namespace trestle::core
