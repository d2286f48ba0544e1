#pragma once
/// The content hash recorded for each loaded plugin library.

#include <string>

#include "common/status.h"

namespace trestle::core {

/// Lower-case hex SHA-256 of the file's bytes. INVALID_ARGUMENT naming the path when
/// it cannot be read.
Result<std::string> HashPluginFile(const std::string& path);

}  // namespace trestle::core
