// The aggregate plugin: group_aggregate, the aggregating transform. Registration only.
#include <trestle/sdk.hpp>

#include "group_aggregate.hpp"

TRESTLE_PLUGIN("aggregate", "1.0.0", trestle_aggregate::GroupAggregate)
