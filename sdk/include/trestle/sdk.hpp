#pragma once
/// What a plugin author includes: the role base classes, batches and schemas, options
/// and specs, the context, and TRESTLE_PLUGIN. Each part also has its own header.

#include "trestle/batch.hpp"
#include "trestle/column.hpp"
#include "trestle/context.hpp"
#include "trestle/error.hpp"
#include "trestle/operator.hpp"
#include "trestle/options.hpp"
#include "trestle/plugin.hpp"
#include "trestle/schema.hpp"
#include "trestle/spec.hpp"
#include "trestle/types.hpp"
