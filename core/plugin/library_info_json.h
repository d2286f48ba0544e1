#pragma once
/// PluginLibraryInfo to and from JSON: the descriptor cache's entries, and the form in
/// which a cached description is compared with what the loaded library declares.

#include <optional>

#include <nlohmann/json.hpp>

#include "plugin/library_info.h"

namespace trestle::core {

/// Every field of `info` but `path`.
nlohmann::json LibraryInfoToJson(const PluginLibraryInfo& info);

/// The inverse of LibraryInfoToJson (`path` left empty); nullopt for anything that is
/// not exactly such an object (a field missing or of the wrong type, an unknown enum).
std::optional<PluginLibraryInfo> LibraryInfoFromJson(const nlohmann::json& j);

}  // namespace trestle::core
