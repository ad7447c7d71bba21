// OpenTrace: from file names to a TraceReader, with the format detected from
// the content when not given:
//   blktrace binary  the first 4 bytes are a blktrace magic (either byte
//                    order), or the file holds NUL bytes, or its name is
//                    NAME.blktrace.N (so a corrupt binary file gets the
//                    blktrace reader's precise error, not "unknown format")
//   fio iolog        first line "fio version 2 iolog" / "fio version 3 iolog"
//   blkparse text    the first line that is not a '#' comment looks like a
//                    blkparse trace line (MAJ,MIN CPU SEQ SEC.NSEC PID ...)
//   zonesim script   the first line that is not blank or a comment parses as
//                    a script command (zoned/script.h)
// blktrace writes one file per CPU (NAME.blktrace.0, .1, ...). A path that is
// not a file is taken as such a NAME prefix (with or without a trailing
// ".blktrace") and expands to every NAME.blktrace.N file, sorted by N; several
// blktrace paths are merged by timestamp. Other formats take one file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traces/blktrace_reader.h"
#include "traces/input_file.h"
#include "traces/trace_reader.h"

namespace zonesim {

struct TraceOpenOptions {
  TraceFormat format = TraceFormat::kAuto;
  size_t buffer_bytes = InputFile::kDefaultBufferBytes;  // shared by all files of the trace
};

Status OpenTrace(const std::vector<std::string>& paths, const TraceOpenOptions& options,
                 std::unique_ptr<TraceReader>* out);

// The format of one file, from its first bytes (see above).
Status DetectTraceFormat(const std::string& path, TraceFormat* out);

// The CPU number of a NAME.blktrace.N file name, or -1.
int CpuFromBlktraceName(const std::string& path);

// Every NAME.blktrace.N file for prefix NAME (a trailing ".blktrace" or
// ".blktrace." is accepted), sorted by N; NotFound if there is none.
Status ExpandBlktracePrefix(const std::string& prefix, std::vector<BlktraceInput>* out);

// Warnings for a capture given in part: NAME.blktrace.0 named alone while
// NAME.blktrace.1 ... lie next to it reads one CPU of several. One warning per
// such capture, naming the prefix that reads them all; none otherwise.
std::vector<std::string> PartialCaptureWarnings(const std::vector<std::string>& paths);

}  // namespace zonesim
