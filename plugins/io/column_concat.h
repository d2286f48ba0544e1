#pragma once
// One column from the rows of several columns of one type, in order: how a source that
// parses in chunks makes a batch whose rows come from more than one chunk.

#include <vector>

#include <trestle/sdk.hpp>

namespace trestle_io {

/// The rows of `parts` (at least one, all of one type) in order. One part is returned
/// as it is (shared, not copied); more are copied into new buffers, values with one
/// memcpy per part where the layout allows.
trestle::Column concat_columns(const std::vector<trestle::Column>& parts);

}  // namespace trestle_io
