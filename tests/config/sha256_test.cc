#include "config/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace trestle::core {
namespace {

// Vectors from the NIST examples for FIPS 180-4.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the padding boundary (digests from an independent implementation).
TEST(Sha256Test, PaddingBoundaries) {
  EXPECT_EQ(Sha256Hex(std::string(55, 'x')),
            "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  EXPECT_EQ(Sha256Hex(std::string(56, 'x')),
            "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  EXPECT_EQ(Sha256Hex(std::string(63, 'x')),
            "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2");
  EXPECT_EQ(Sha256Hex(std::string(64, 'x')),
            "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
  EXPECT_EQ(Sha256Hex(std::string(65, 'x')),
            "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9");
  EXPECT_EQ(Sha256Hex(std::string(119, 'x')),
            "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c");
  EXPECT_EQ(Sha256Hex(std::string(120, 'x')),
            "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98");
}

TEST(Sha256Test, SplitUpdatesMatchOneShot) {
  std::string data;
  for (int i = 0; i < 200; ++i) data += static_cast<char>('a' + i % 26);
  for (size_t length : {0, 1, 63, 64, 65, 127, 128, 200}) {
    const std::string whole = Sha256Hex(std::string_view(data).substr(0, length));
    for (size_t split = 0; split <= length; split += 7) {
      Sha256 hasher;
      hasher.Update(std::string_view(data).substr(0, split));
      hasher.Update(std::string_view(data).substr(split, length - split));
      EXPECT_EQ(ToHex(hasher.Finish()), whole) << "length " << length << " split " << split;
    }
  }
}

TEST(Sha256Test, ResetStartsOver) {
  Sha256 hasher;
  hasher.Update("something else");
  hasher.Finish();
  hasher.Reset();
  hasher.Update("abc");
  EXPECT_EQ(ToHex(hasher.Finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, AMovedHasherCarriesOnWhereItWas) {
  Sha256 first;
  first.Update("a");
  Sha256 second = std::move(first);
  second.Update("bc");
  EXPECT_EQ(ToHex(second.Finish()), Sha256Hex("abc"));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// A NUL byte is data, not the end of the input (the empty string's digest would show it).
TEST(Sha256Test, ANulByteIsHashed) {
  EXPECT_EQ(Sha256Hex(std::string(1, '\0')), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

}  // namespace
}  // namespace trestle::core
