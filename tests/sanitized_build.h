// Whether this translation unit is compiled with AddressSanitizer or ThreadSanitizer.
// Tests that repeat one check at many random moments repeat it fewer times in a
// sanitizer build: the same checks, within CI's time (a sanitized run is 2-10x slower).
#pragma once

namespace trestle::testing_support {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

}  // namespace trestle::testing_support
