#pragma once
/// Exit codes of the trestle executable (documented in docs/ops-guide.md).

namespace trestle::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInvalidPipeline = 78;  // EX_CONFIG from sysexits.h
/// Another run of the same pipeline for the same --date holds its lock: retry later.
inline constexpr int kExitLocked = 75;  // EX_TEMPFAIL from sysexits.h

}  // namespace trestle::cli
