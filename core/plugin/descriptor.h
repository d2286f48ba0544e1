#pragma once
/// Checks a plugin descriptor against the ABI's rules and copies what it declares into
/// host-side values. Nothing here loads a library: the descriptor may come from a
/// loaded plugin or be built in memory (tests).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "plugin/operator_info.h"
#include "trestle/c/abi.h"

namespace trestle::core {

/// One operator of a plugin: the host-side copy of its declaration and the plugin's
/// own definition, which is valid only while the library that holds it stays loaded.
struct PluginOperator {
  OperatorInfo info;
  const TrestleOperatorDef* def = nullptr;
};

/// What a plugin descriptor declares, after it passed every check.
struct PluginDescription {
  std::string name;
  std::string version;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::vector<PluginOperator> operators;  ///< in declaration order
};

/// True for a valid operator name: [a-z][a-z0-9_]*.
bool IsValidOperatorName(std::string_view name);

/// Checks `descriptor` (which may be null) and copies it. Refuses with
/// INVALID_ARGUMENT and a message that names the cause (the caller adds the file):
/// a null descriptor, a struct smaller than ABI 1.0's, an ABI major other than the
/// host's or a newer minor, the plugin's own `error`, a missing name or version, and
/// any malformed operator or parameter declaration. The returned `def` pointers point
/// into `descriptor`.
Result<PluginDescription> ReadPluginDescriptor(const TrestlePluginDescriptor* descriptor);

}  // namespace trestle::core
