#include "sim/replay/replay_findings.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "traces/request_mapping.h"

namespace zonesim {

namespace {

constexpr size_t kMaxQuotedLine = 200;

// Quotes end up in terminals and JSON: control bytes and anything that is not
// ASCII become '?', so a corrupt record cannot garble either.
char Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 0x20 && u < 0x7f) || c == '\t' ? c : '?';
}

// blkparse's RWBS letters (blkparse_fmt.c fill_rwbs) from the decoded request.
std::string Rwbs(const TraceEvent& ev) {
  std::string r;
  if ((ev.flags & kFlagPreflush) || ev.op.kind == OpKind::kFlush) r += 'F';
  switch (ev.op.kind) {
    case OpKind::kDiscard: r += 'D'; break;
    case OpKind::kAppend: r += "ZA"; break;
    case OpKind::kReset: r += ev.op.length == kZoneRangeAll ? "ZRA" : "ZR"; break;
    case OpKind::kFinish: r += "ZF"; break;
    case OpKind::kOpen: r += "ZO"; break;
    case OpKind::kClose: r += "ZC"; break;
    case OpKind::kWrite: r += 'W'; break;
    case OpKind::kRead: r += 'R'; break;
    default: r += 'N'; break;
  }
  if (ev.flags & kFlagFua) r += 'F';
  if (ev.flags & kFlagReadahead) r += 'A';
  if (ev.flags & kFlagSync) r += 'S';
  if (ev.flags & kFlagMeta) r += 'M';
  return r;
}

}  // namespace

std::string RenderBlktraceRecord(const TraceEvent& ev) {
  char head[128];
  std::snprintf(head, sizeof head, "%u,%u %u %u %llu.%09llu %u ", DeviceMajor(ev.device),
                DeviceMinor(ev.device), ev.cpu, ev.sequence,
                static_cast<unsigned long long>(ev.timestamp_ns / 1000000000ull),
                static_cast<unsigned long long>(ev.timestamp_ns % 1000000000ull), ev.pid);
  std::string out = head;
  out += ev.action;
  if (!ev.has_op) return out;
  out += ' ';
  out += Rwbs(ev);
  if (ev.op.kind != OpKind::kFlush) {
    const bool all = ev.op.length == kZoneRangeAll;
    out += ' ' + std::to_string(all ? 0 : ev.op.offset / kSectorSize) + " + " +
           std::to_string(all ? 0 : ev.op.length / kSectorSize);
  }
  if (!ev.label.empty()) {
    out += " [";
    for (char c : ev.label.substr(0, 64)) out += Printable(c);
    out += ']';
  }
  return out;
}

QuotedEvent QuoteEvent(const TraceEvent& ev, uint64_t event_no) {
  QuotedEvent q;
  q.event = event_no;
  q.position = ev.origin.ToString();
  if (ev.origin.is_line) {
    q.file = std::string(ev.origin.file);
    q.line = ev.origin.index;
  } else {
    q.text = RenderBlktraceRecord(ev);
  }
  return q;
}

void FillQuotedLines(std::vector<QuotedEvent*> quotes) {
  // file -> line -> the quotes that want it
  std::map<std::string, std::map<uint64_t, std::vector<QuotedEvent*>>> wanted;
  for (QuotedEvent* q : quotes)
    if (q->line > 0 && q->text.empty()) wanted[q->file][q->line].push_back(q);
  for (auto& [file, lines] : wanted) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) continue;  // the quote keeps its position; the text is optional
    const uint64_t last = lines.rbegin()->first;
    uint64_t line = 1;
    std::string current;
    bool keep = lines.count(1) > 0;
    char buf[65536];
    size_t n;
    bool done = false;
    while (!done && (n = std::fread(buf, 1, sizeof buf, f)) > 0) {
      for (size_t i = 0; i < n; ++i) {
        if (buf[i] == '\n') {
          if (keep) {
            for (QuotedEvent* q : lines[line]) q->text = current;
          }
          current.clear();
          if (++line > last) {
            done = true;
            break;
          }
          keep = lines.count(line) > 0;
        } else if (keep && buf[i] != '\r' && current.size() < kMaxQuotedLine) {
          current += Printable(buf[i]);
        }
      }
    }
    if (!done && keep)  // the last line has no newline
      for (QuotedEvent* q : lines[line]) q->text = current;
    std::fclose(f);
  }
}

void ViolationLog::Add(std::string_view kind, std::optional<uint32_t> zone, const TraceEvent& ev,
                       uint64_t event_no, const std::string& operation) {
  ++total_;
  ++by_kind_[std::string(kind)];
  if (zone) ++by_zone_[*zone];
  else ++without_zone_;
  if (quotes_.size() < quote_limit_) {
    QuotedEvent q = QuoteEvent(ev, event_no);
    q.operation = operation;
    q.kind = std::string(kind);
    quotes_.push_back(std::move(q));
  }
}

}  // namespace zonesim
