// The conversion between zoned layout revisions shared by `zonesim convert`
// and `zonesim create --from ZONED` (sim/cli/cmd_convert.cpp), and the
// same-file test both commands use to refuse writing over their source.
#pragma once

#include <string>

#include "qcow2/storage/qcow2_image.h"

namespace zonesim {

// Writes src as dst in `layout` (qcow2/zoned/layout_convert.h), checks dst
// with `zonesim check --expect-layout layout` and requires it clean (else dst
// is removed), then, if `rename_over_src`, renames dst over src. Prints one
// summary line (and notes) to stdout, errors prefixed with `command` to
// stderr. Returns the exit status: 0 or 1.
int ConvertAndCheck(const char* command, const std::string& src, const std::string& dst, ZonedLayout layout,
                    bool force, bool rename_over_src);

// True when a and b name the same file (or would, once created).
bool SameFile(const std::string& a, const std::string& b);

}  // namespace zonesim
