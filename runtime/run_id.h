#pragma once
/// Names of runs, as `trestle run` and `trestle profile` give them.

#include <string>

namespace trestle::cli {

/// "20261125T061900Z-3f9a1c": the UTC start second and 24 random bits, so ids sort by
/// start time and two runs started in the same second do not collide.
std::string NewRunId();

}  // namespace trestle::cli
