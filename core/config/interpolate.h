#pragma once
/// Environment interpolation in pipeline-file strings: `${VAR}`, `${VAR:-default}` and
/// `$$` for a literal `$`. Explicit only: `$VAR` without braces is left as written.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trestle::core {

/// Reads one environment variable; nullopt when it is not set.
using Getenv = std::function<std::optional<std::string>(const std::string&)>;

/// Getenv over the process environment (::getenv).
Getenv ProcessEnvironment();

struct Interpolated {
  std::string text;                 ///< the result (meaningful only when errors is empty)
  std::vector<std::string> errors;  ///< one message per problem, e.g. an unset variable
  bool substituted = false;         ///< true when at least one ${...} was replaced
};

/// Replaces every `${VAR}` (an error when VAR is unset), `${VAR:-default}` (the default
/// when VAR is unset or empty, as in the shell) and `$$`. Variable names are
/// [A-Za-z_][A-Za-z0-9_]*; the default runs to the first '}' and is taken literally.
/// Messages name variables, never their values.
Interpolated Interpolate(std::string_view text, const Getenv& getenv);

}  // namespace trestle::core
