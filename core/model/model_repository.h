#pragma once
/// Model repositories: a model node's `model` option may name a directory of version
/// directories (TF Serving's layout, models/<name>/<version>/, versions named by
/// non-negative integers). This resolves such a path to the version that serves under
/// a policy, and fingerprints what a model path holds. Plain files and directories
/// without numbered subdirectories are single, unversioned models.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace trestle::core {

/// "latest" (the highest number) or one version by name.
struct VersionPolicy {
  std::string pinned;  ///< empty: latest
  static Result<VersionPolicy> Parse(const std::string& text);  ///< "", "latest" or digits
  std::string ToString() const { return pinned.empty() ? "latest" : pinned; }
};

struct ResolvedModel {
  std::string path;     ///< what the operator's `model` option receives
  std::string version;  ///< the version directory's name; empty for an unversioned model
  bool versioned = false;
};

/// The version directories of `dir` in ascending numeric order; empty when `dir` is
/// not a directory or has none. Names that are not all digits (e.g. a version being
/// copied in as ".tmp-4") are ignored.
std::vector<std::string> ListVersions(const std::string& dir);

/// Resolves `path` under `policy`. A pinned version, or a policy other than latest for
/// an unversioned path, that does not exist is INVALID_ARGUMENT naming the path and the
/// versions there are.
Result<ResolvedModel> ResolveModel(const std::string& path, const VersionPolicy& policy);

/// SHA-256 of a model path: of the file's bytes; for a directory, of the lines
/// "<relative path> <file sha256>\n" over its regular files in sorted order.
Result<std::string> FingerprintModel(const std::string& path);

}  // namespace trestle::core
