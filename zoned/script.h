// The script dialect: qemu-io's zone commands (qemu-io-cmds.c in QEMU 8.1+),
// one command a line, parsed into Operations and formatted back. `zonesim io`
// runs these lines; the "script" trace format is the same text in a file.
//
// qemu-io commands (full name or qemu-io's short name):
//   zone_report|zrp [-o OPTION] OFFSET NR  report NR zones from the zone holding
//                                     OFFSET; -o (zonesim's, qemu-io has no filter)
//                                     reports only the zones OPTION selects:
//                                     all|empty|imp_open|exp_open|closed|full|
//                                     readonly|offline|not_wp, NR counting only those
//   zone_open|zo   OFFSET LEN         explicit open of the zones in [OFFSET, OFFSET+LEN)
//   zone_close|zc  OFFSET LEN         close
//   zone_finish|zf OFFSET LEN         finish
//   zone_reset|zrs OFFSET LEN         reset write pointers
//   zone_append|zap [-p] OFFSET LEN [LEN...]  append the buffers (lengths summed,
//                                     pattern 0xcd) to the zone starting at OFFSET;
//                                     -p prints the sector where the data landed
//   write|w [-P PATTERN] OFFSET LEN   write LEN bytes of PATTERN (default 0xcd)
//   read|r [-v] [-P PATTERN] OFFSET LEN  read; -P verifies every byte, -v dumps
//   flush|f
//   discard|d OFFSET LEN
// zonesim's own commands (qemu-io has no equivalent):
//   zone_offline|zof OFFSET LEN       ZNS Offline Zone (READ ONLY -> OFFLINE)
//   powercycle                        power loss and restart
//   inject readonly|offline OFFSET    device-internal event on the zone at OFFSET
//   -S SEED on write, read and zap    seeded pseudo-random data (Payload::Seeded)
//                                     instead of a fill byte; byte i of the request
//                                     is Payload::Seeded(SEED).ByteAt(i), so
//                                     `read -S 7 O L` verifies what `write -S 7 O L` wrote
//   -P PATTERN on zap                 fill byte other than qemu-io's fixed 0xcd
// OFFSET/LEN/NR accept K/M/G/T suffixes (powers of 1024) and 0x hex, as
// qemu-io's cvtnum does; PATTERN is a byte in C notation (decimal, 0x hex,
// leading-0 octal) as qemu-io's parse_pattern reads it. Text after `#` and
// blank lines are ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "zoned/operation.h"

namespace zonesim {

// The largest read, write or append a script may ask for: a read needs a
// buffer this large. (qemu-io's own limit, BDRV_REQUEST_MAX_BYTES, is 2 GiB.)
inline constexpr uint64_t kMaxScriptIoBytes = 1ull << 30;

// Parses one line. A blank or comment-only line leaves *out empty. On error
// returns InvalidArgument with a message naming the command and the problem
// ("zo: offset 'abc' is not a number"); the caller adds where the line came from.
Status ParseScriptLine(std::string_view line, std::optional<Operation>* out);

// Parses a whole script; errors read "line 3: zo: offset 'abc' is not a number".
// line_numbers (optional) receives the 1-based line of each operation.
Status ParseScript(std::string_view text, std::vector<Operation>* out,
                   std::vector<int>* line_numbers = nullptr);

// The canonical line for an operation (no newline). ParseScriptLine of the
// result gives back the same Operation for every operation the parser can
// produce (fields a command does not use must keep their defaults; a read's
// payload only counts when it verifies).
std::string FormatScriptLine(const Operation& op);
std::string FormatScript(const std::vector<Operation>& ops);  // one line each, '\n' ended

// Byte counts as a script writes them: the largest exact K/M/G/T suffix, else
// decimal ("4K", "64M", "1536", "0").
std::string FormatScriptSize(uint64_t bytes);

}  // namespace zonesim
