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

// The same without the name; `what` names the file in the error when it
// cannot be read ("cannot read --replay file 'x'").
Status ReadScriptFile(const std::string& path, const std::string& what, std::vector<Operation>* ops);

}  // namespace zonesim
