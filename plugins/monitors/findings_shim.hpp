#pragma once
// Includes trestle/findings.hpp. Its to_json() functions call json_quote unqualified
// from namespace trestle while it lives in trestle::detail; until the header qualifies
// it, this using-declaration makes it compile (and is harmless afterwards).

#include <trestle/spec.hpp>

namespace trestle {
using detail::json_quote;
}  // namespace trestle

#include <trestle/findings.hpp>
