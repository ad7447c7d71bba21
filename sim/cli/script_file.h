// Reading a zonesim io script named on the command line (check --written-by,
// crash SCRIPT): the errors name the file.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "zoned/operation.h"

namespace zonesim {

// *name receives the file's base name (for reports that must not depend on
// where the file lies).
Status LoadScriptFile(const std::string& path, std::string* name, std::vector<Operation>* ops);

}  // namespace zonesim
