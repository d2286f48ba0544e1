#pragma once
/// UTF-8 checks for pipeline text: protobuf string fields must hold valid UTF-8.
/// Internal to core/config.

#include <cstddef>
#include <string>
#include <string_view>

namespace trestle::core {

/// The offset of the first byte that does not start or continue a valid UTF-8 sequence
/// (overlong forms, surrogates and code points past U+10FFFF are invalid), or npos.
size_t FindInvalidUtf8(std::string_view text);

/// `text` with every byte that is not part of a valid UTF-8 sequence read as the
/// Latin-1 character of that value (0x85 becomes U+0085), so the result is valid UTF-8.
std::string RepairUtf8AsLatin1(std::string_view text);

}  // namespace trestle::core
