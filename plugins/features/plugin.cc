// The features plugin: column selection, type casts, constant columns and the usual
// feature transforms.
#include <trestle/sdk.hpp>

#include "add_columns.hpp"
#include "cast.hpp"
#include "filter.hpp"
#include "impute.hpp"
#include "one_hot.hpp"
#include "scale.hpp"
#include "select.hpp"

TRESTLE_PLUGIN("features", "1.0.0", features::Select, features::Cast, features::Impute, features::Scale, features::OneHot, features::Filter,
                features::AddColumns)
