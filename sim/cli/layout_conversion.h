// The conversion between zoned layout revisions shared by `zonesim convert`
// and `zonesim create --from ZONED` (sim/cli/cmd_convert.cpp), and the
// same-file test both commands use to refuse writing over their source.
#pragma once

#include <string>

#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/zoned/layout_convert.h"

namespace zonesim {

struct ConversionResult {
  LayoutConvertSummary summary;
  std::string output;      // the converted image's path (src after rename_over_src)
  std::string check_text;  // when the copy did not check clean: the checker's report
};

// Writes src as dst in `layout` (qcow2/zoned/layout_convert.h), checks dst
// with `zonesim check --expect-layout layout` and requires it clean (else dst
// is removed), then, if `rename_over_src`, renames dst over src. Prints
// nothing; the error names the files and the cause.
Status RunLayoutConversion(const std::string& src, const std::string& dst, ZonedLayout layout, bool force,
                           bool rename_over_src, ConversionResult* r);

// The summary line (and notes) of a conversion.
std::string FormatConversion(const std::string& src, const ConversionResult& r);

// RunLayoutConversion, then its summary on stdout or its error (after the
// checker's report, if any) on stderr prefixed with `command`. Returns the
// exit status: 0 or 1.
int ConvertAndCheck(const char* command, const std::string& src, const std::string& dst, ZonedLayout layout,
                    bool force, bool rename_over_src);

// True when a and b name the same file (or would, once created).
bool SameFile(const std::string& a, const std::string& b);

}  // namespace zonesim
