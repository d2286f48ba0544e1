#pragma once
/// Limits on what a pipeline file may hold, so that reading any text (a fuzzer's, a
/// wrong file's) takes bounded time, memory and stack. Far above what a pipeline needs.

#include <cstddef>

namespace trestle::core {

/// Lists and mappings may be nested this deep, counting the top-level mapping as level
/// 1 (protobuf text: messages, Struct and list values the same way). Keeps every
/// recursion over a pipeline (the readers, protobuf, the checks) shallow.
inline constexpr int kMaxNesting = 32;

/// At most this many values (scalars, lists, mappings and keys) in one file, each use of
/// a YAML alias counting its anchor's values again (no "billion laughs").
inline constexpr size_t kMaxValues = 100000;

/// At most this many bytes of field paths ("nodes[1].options.columns[0]") over all the
/// values of a file, which bounds the source map when keys are huge.
inline constexpr size_t kMaxPathBytes = size_t{64} << 20;

/// Files larger than this are not read.
inline constexpr size_t kMaxFileBytes = size_t{16} << 20;

}  // namespace trestle::core
