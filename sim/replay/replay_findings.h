// What a replay found about the WORKLOAD, as opposed to a divergence between
// the model and the image (a bug of ours, sim/lockstep/lockstep.h): every operation
// the model refused is a zone-rule violation of the trace itself (a write
// not at the write pointer, a discard on a zoned device, an address beyond
// the device end). They are counted by kind, by zone and in total, and the
// first few are quoted with their trace position and the record itself.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zoned/operation.h"
#include "traces/trace_event.h"
#include "traces/trace_reader.h"

namespace zonesim {

// Violation kinds beyond the model's status ids (zoned/zone_status.h).
inline constexpr std::string_view kDiscardOnZonedDevice = "discard_on_zoned_device";
inline constexpr std::string_view kMisalignedZoneRange = "misaligned_zone_range";  // the host refused it

// One trace record, quoted.
struct QuotedEvent {
  uint64_t event = 0;     // 1-based number among the replayed I/O events
  std::string position;   // "x.iolog: line 24", "sda.blktrace.1: record 17"
  std::string text;       // the record: the line of a text trace, a blkparse-style line for binary
  std::string operation;  // what ran, in script syntax (after --map), "" if nothing ran
  std::string kind;       // violation kind ("" for rewrites)

  // Text traces: the line is read back from the file after the replay
  // (FillQuotedLines), so the replay never keeps lines it does not quote.
  std::string file;
  uint64_t line = 0;
};

// The record quoted (text filled now for binary records, later for lines).
QuotedEvent QuoteEvent(const TraceEvent& ev, uint64_t event_no);

// A blkparse-style line for a binary blktrace record:
// "259,0 0 1 0.000000000 100 Q WS 0 + 128 [fio]".
std::string RenderBlktraceRecord(const TraceEvent& ev);

// Reads the quoted lines back (one pass per file, stopping at the last line
// wanted); lines are cut at 200 characters.
void FillQuotedLines(std::vector<QuotedEvent*> quotes);

class ViolationLog {
 public:
  explicit ViolationLog(size_t quote_limit) : quote_limit_(quote_limit) {}

  // zone: the device zone the operation addresses, none if beyond the device
  // or addressing every zone.
  void Add(std::string_view kind, std::optional<uint32_t> zone, const TraceEvent& ev,
           uint64_t event_no, const std::string& operation);

  uint64_t total() const { return total_; }
  const std::map<std::string, uint64_t>& by_kind() const { return by_kind_; }
  const std::map<uint32_t, uint64_t>& by_zone() const { return by_zone_; }  // bounded by the zone count
  uint64_t without_zone() const { return without_zone_; }
  std::vector<QuotedEvent>& quotes() { return quotes_; }
  const std::vector<QuotedEvent>& quotes() const { return quotes_; }

 private:
  size_t quote_limit_;
  uint64_t total_ = 0;
  uint64_t without_zone_ = 0;
  std::map<std::string, uint64_t> by_kind_;
  std::map<uint32_t, uint64_t> by_zone_;
  std::vector<QuotedEvent> quotes_;
};

// How often the replay rewrote the trace's requests one way, and the first
// place it did.
struct RewriteCount {
  uint64_t count = 0;
  std::optional<QuotedEvent> first;

  void Add(const TraceEvent& ev, uint64_t event_no, const std::string& operation) {
    if (count++ == 0) {
      first = QuoteEvent(ev, event_no);
      first->operation = operation;
    }
  }
};

}  // namespace zonesim
