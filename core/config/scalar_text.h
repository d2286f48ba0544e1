#pragma once
/// How scalar text from a pipeline file becomes a number or a bool. One set of rules for
/// YAML, JSON and --set values (YAML 1.2 core schema, decimal only): `yes`, `on`, `0x1f`
/// and `.inf` stay strings. Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trestle::core {

/// A finite decimal number: [-+]?(.D+|D+(.D*)?)([eE][-+]?D+)?.
std::optional<double> ParseNumber(std::string_view text);
/// A decimal integer ([-+]?D+), or a number as above whose value is integral, within
/// the int64 range.
std::optional<int64_t> ParseInteger(std::string_view text);
/// true / True / TRUE / false / False / FALSE.
std::optional<bool> ParseBool(std::string_view text);
/// Canonical text of a number: integral values below 2^53 print as integers ("2"),
/// others in the shortest form that reads back the same ("0.1", "1e+300").
std::string FormatNumber(double value);

}  // namespace trestle::core
