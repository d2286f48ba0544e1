#pragma once
/// Field paths as used in diagnostics and the SourceMap: "nodes[2].options.columns[1]".
/// Pure string helpers; nothing here owns or refers to a pipeline.

#include <optional>
#include <string>
#include <string_view>

namespace trestle::core {

/// `base.key`, or `key` when base is empty.
std::string JoinPath(std::string_view base, std::string_view key);
/// `base[index]`.
std::string IndexPath(std::string_view base, int index);
/// The path one level up: "a.b[1]" -> "a.b" -> "a" -> "". "" stays "".
std::string ParentPath(std::string_view path);
/// True when `path` is `prefix` or lies inside it ("a.b" and "a[0]" are inside "a",
/// "ab" is not). Every path is inside the empty prefix.
bool PathIsUnder(std::string_view path, std::string_view prefix);
/// N for a path inside "nodes[N]".
std::optional<int> NodeIndexOf(std::string_view path);

}  // namespace trestle::core
