// Which (condition, operation, outcome) triples (model/triple_coverage.h) a
// device configuration can produce at all: the denominator of triple coverage.
#pragma once

#include <set>

#include "model/triple_coverage.h"
#include "zoned/device_config.h"

namespace zonesim {

// A bounded exploration of the model on this exact configuration (its
// geometry, limits and parameters all decide which refusals exist). See the
// comment in triple_reach.cpp for why it is done this way.
std::set<Triple> ReachableTriples(const DeviceConfig& config);

}  // namespace zonesim
