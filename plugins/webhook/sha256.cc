#include "sha256.hpp"

#include <openssl/evp.h>

#include <new>

namespace trestle_webhook {
namespace {

void check(int ok) {
  if (ok != 1) throw std::bad_alloc();
}

}  // namespace

void Sha256::ContextDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  check(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr));
}

Sha256& Sha256::update(std::string_view data) {
  check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()));
  return *this;
}

std::array<uint8_t, 32> Sha256::digest() {
  std::array<uint8_t, 32> out{};
  check(EVP_DigestFinal_ex(ctx_.get(), out.data(), nullptr));
  return out;
}

std::string Sha256::hex() {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : digest()) s += kHex[b >> 4], s += kHex[b & 15];
  return s;
}

std::string sha256_hex(std::string_view data) { return Sha256().update(data).hex(); }

}  // namespace trestle_webhook
