// Placeholder: replaced by the real model.
#include "model/zone_model.h"
