// The qemu-io dialect as an implementation under test speaks it: the command
// lines zonesim sends and the parsing of the answers (qemu-io-cmds.c in QEMU
// 8.1+: zone_report_f, zone_open_f ... zone_append_f, read_f with -v, write_f
// with -P; ../shared/spec/qcow2-zoned.md "qemu-io's zone commands").
//
// An answer is everything the process printed on stdout between the command
// and the next `qemu-io> ` prompt. Failures are "<command> failed: <strerror>"
// lines, which map back to an errno; anything else a parser does not expect is
// reported as unparseable, never guessed at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "zoned/zone_report.h"

namespace zonesim {

// The prompt qemu-io prints before reading each command, also from a pipe.
inline constexpr std::string_view kQemuIoPrompt = "qemu-io> ";

// The errno whose strerror text (C locale, glibc) starts `text`, the longest
// match winning: "Invalid argument (Invalid Field ...)" -> EINVAL. nullopt if
// no errno's text matches.
std::optional<int> ErrnoFromText(std::string_view text);
// strerror(err) in the C locale.
std::string ErrnoName(int err);

// The failure in an answer: the text after "failed: " on the first line that
// has it, e.g. "zone open failed: Too many references: cannot splice".
struct QemuIoFailure {
  std::string command;  // "zone open"
  std::string reason;   // "Too many references: cannot splice"
  std::optional<int> err;
};
std::optional<QemuIoFailure> FindFailure(std::string_view answer);

// "wrote N/N bytes at offset OFF" / "read N/N bytes at offset OFF" for exactly
// this request.
bool HasTransferLine(std::string_view answer, std::string_view verb, uint64_t offset, uint64_t length);

// "After zap done, the append sector is 0x..." -> the byte offset.
std::optional<uint64_t> ParseAppendSector(std::string_view answer);

// The lines of `zrp`, in order: "start: 0x0, len 0x200, cap 0x200, wptr 0x0,
// zcond:1, [type: 2]" (sectors). Corruption naming the line otherwise.
Status ParseZoneReport(std::string_view answer, std::vector<ZoneReportEntry>* out);

// qemu-io's dump_buffer (read -v): "%08lx:  " then up to 16 "%02x " then the
// characters. Fills out[0, length) with the bytes dumped for [offset,
// offset + length); Corruption if a line is malformed or a byte is missing.
Status ParseDump(std::string_view answer, uint64_t offset, uint64_t length, uint8_t* out);

}  // namespace zonesim
