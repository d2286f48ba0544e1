#pragma once
/// What a plugin library declares, as plain values: read from the library itself when
/// it was loaded, or from the descriptor cache when it was not (plugin/descriptor_cache.h).

#include <cstdint>
#include <string>
#include <vector>

#include "plugin/operator_info.h"

namespace trestle::core {

struct PluginLibraryInfo {
  std::string path;    ///< as found on the search path
  std::string sha256;  ///< lower-case hex SHA-256 of the file when it was described
  std::string name;
  std::string version;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::vector<OperatorInfo> operators;  ///< in declaration order
};

}  // namespace trestle::core
