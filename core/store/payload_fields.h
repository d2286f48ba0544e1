#pragma once
/// Reading the fields of a monitor payload or a run report, tolerant of missing keys and
/// wrong types (the payload comes from a plugin): a missing or mistyped field reads as its
/// default. Internal to core/store.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace trestle::core::store_internal {

int64_t JInt(const nlohmann::json& j, const char* key);
/// NaN when missing or not a number.
double JNum(const nlohmann::json& j, const char* key);
std::string JStr(const nlohmann::json& j, const char* key);
/// An empty object when missing or not an object.
nlohmann::json JObj(const nlohmann::json& j, const char* key);
/// An empty array when missing or not an array.
nlohmann::json JArr(const nlohmann::json& j, const char* key);

}  // namespace trestle::core::store_internal
