#include "config/sha256.h"

// SHA256_Init/Update/Final rather than EVP: OpenSSL 3 deprecates them, but they hash
// without the provider machinery, whose first use costs every process about 2.5 ms
// (loading the configuration and the default provider, building its name tables), a
// twentieth of `trestle validate`'s start-up. They are in every OpenSSL 3 release.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <new>

namespace trestle::core {
namespace {

// libcrypto fails these calls only on a null context.
void Require(int ok) {
  if (ok != 1) throw std::bad_alloc();
}

}  // namespace

void Sha256::ContextDeleter::operator()(SHA256state_st* context) const { delete context; }

Sha256::Sha256() : context_(new SHA256_CTX) { Reset(); }

void Sha256::Reset() { Require(SHA256_Init(context_.get())); }

void Sha256::Update(std::string_view data) { Require(SHA256_Update(context_.get(), data.data(), data.size())); }

Sha256::Digest Sha256::Finish() {
  Digest digest;  // SHA256_Final writes exactly SHA256_DIGEST_LENGTH (32) bytes
  Require(SHA256_Final(digest.data(), context_.get()));
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
