#pragma once
/// Model file resolution for model plugins. A model option may name a file or a
/// directory (one version of a versioned model repository, `models/<name>/<version>/`,
/// is a directory); a plugin resolves a directory to its model file with
/// `model_file(path, {"model.json", "model.ubj"})`.

#include <filesystem>
#include <initializer_list>
#include <string>

#include "trestle/error.hpp"

namespace trestle {

/// `path` itself when it is a regular file; inside a directory, the first of `names`
/// that exists. Throws InvalidArgument naming the path and what was looked for.
inline std::string model_file(const std::string& path, std::initializer_list<const char*> names) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_regular_file(st)) return path;
  if (!fs::is_directory(st)) throw InvalidArgument("model file \"" + path + "\" does not exist");
  std::string tried;
  for (const char* n : names) {
    const fs::path candidate = fs::path(path) / n;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    tried += std::string(tried.empty() ? "" : ", ") + n;
  }
  throw InvalidArgument("model directory \"" + path + "\" holds none of: " + tried);
}

}  // namespace trestle
