#include "traces/blkparse_text_reader.h"

#include "traces/blktrace_format.h"
#include "traces/blktrace_mapping.h"
#include "traces/rwbs.h"
#include "traces/text_scan.h"

namespace zonesim {

using namespace text;

namespace {

bool ParseDevice(std::string_view tok, uint32_t* dev) {
  size_t comma = tok.find(',');
  if (comma == std::string_view::npos) return false;
  uint32_t major = 0, minor = 0;
  if (!ParseUnsigned(tok.substr(0, comma), &major) || !ParseUnsigned(tok.substr(comma + 1), &minor) ||
      major > 0xfff || minor > 0xfffff) {
    return false;
  }
  *dev = MakeDevice(major, minor);
  return true;
}

// "SEC.NSEC" (blkparse prints %5d.%09lu) -> nanoseconds.
bool ParseTime(std::string_view tok, uint64_t* ns) {
  size_t dot = tok.find('.');
  if (dot == std::string_view::npos) return false;
  uint64_t sec = 0, frac = 0;
  std::string_view f = tok.substr(dot + 1);
  if (!ParseUnsigned(tok.substr(0, dot), &sec) || f.empty() || f.size() > 9 ||
      !ParseUnsigned(f, &frac) || sec > 18'000'000'000ull) {
    return false;
  }
  for (size_t i = f.size(); i < 9; ++i) frac *= 10;
  *ns = sec * 1'000'000'000ull + frac;
  return true;
}

bool IsStatisticsLine(std::string_view line) {
  if (!line.empty() && IsSpace(line[0])) return true;  // " Reads Queued: ..." bodies
  for (std::string_view p : {"CPU", "Total (", "Throughput", "Events (", "Skips:", "Input file"}) {
    if (line.substr(0, p.size()) == p) return true;
  }
  return false;
}

bool StartsTraceLine(std::string_view trimmed) {
  if (trimmed.empty() || !IsDigit(trimmed[0])) return false;
  std::string_view rest = trimmed;
  std::string_view first = NextToken(&rest);
  return first.find(',') != std::string_view::npos;
}

std::string Quote(std::string_view s) {
  if (s.size() > 60) return "'" + std::string(s.substr(0, 60)) + "...'";
  return "'" + std::string(s) + "'";
}

}  // namespace

bool LooksLikeBlkparseLine(std::string_view line) {
  std::string_view rest = line;
  uint32_t dev, u;
  uint64_t ns;
  return ParseDevice(NextToken(&rest), &dev) && ParseUnsigned(NextToken(&rest), &u) &&
         ParseUnsigned(NextToken(&rest), &u) && ParseTime(NextToken(&rest), &ns) &&
         ParseUnsigned(NextToken(&rest), &u) && !NextToken(&rest).empty();
}

Status BlkparseTextReader::Open(const std::string& path, size_t buffer_bytes, std::unique_ptr<BlkparseTextReader>* out,
                                Env* env) {
  std::unique_ptr<InputFile> f;
  Status s = InputFile::Open(env, path, buffer_bytes, &f);
  if (!s.ok()) return s;
  out->reset(new BlkparseTextReader(std::move(f)));
  return Status::Ok();
}

Status BlkparseTextReader::Error(const std::string& what) const {
  return Status::Corruption(file_->path() + ": line " + std::to_string(file_->line_number()) + ": " + what);
}

Status BlkparseTextReader::Next(TraceEvent* ev, bool* eof) {
  for (;;) {
    std::string_view line;
    Status s = file_->NextLine(&line, eof);
    if (!s.ok() || *eof) return s;
    std::string_view trimmed = TrimLeft(line);
    if (StartsTraceLine(trimmed)) return ParseLine(trimmed, ev);
    if (trimmed.empty() || trimmed[0] == '#' || IsStatisticsLine(line)) {
      ++skipped_lines_;
      continue;
    }
    return Error("not a blkparse trace or statistics line: " + Quote(line));
  }
}

Status BlkparseTextReader::ParseLine(std::string_view line, TraceEvent* ev) {
  std::string_view rest = line;
  std::string_view dev_tok = NextToken(&rest);
  std::string_view cpu_tok = NextToken(&rest);
  std::string_view seq_tok = NextToken(&rest);
  std::string_view time_tok = NextToken(&rest);
  std::string_view pid_tok = NextToken(&rest);
  std::string_view action = NextToken(&rest);
  if (!ParseDevice(dev_tok, &ev->device)) return Error("bad device " + Quote(dev_tok) + " (want MAJOR,MINOR)");
  if (!ParseUnsigned(cpu_tok, &ev->cpu)) return Error("bad cpu " + Quote(cpu_tok));
  if (!ParseUnsigned(seq_tok, &ev->sequence)) return Error("bad sequence number " + Quote(seq_tok));
  if (!ParseTime(time_tok, &ev->timestamp_ns)) return Error("bad time " + Quote(time_tok) + " (want SECONDS.NANOSECONDS)");
  if (!ParseUnsigned(pid_tok, &ev->pid)) return Error("bad pid " + Quote(pid_tok));
  if (action.empty()) return Error("the line ends before the action");

  uint16_t code = 0;
  bool notify = false;
  if (!blktrace::ActionCodeFromName(action, &code, &notify)) return Error("unknown action " + Quote(action));

  ev->origin.file = file_->path();
  ev->origin.file_index = 0;
  ev->origin.index = file_->line_number();
  ev->origin.is_line = true;
  ev->has_timestamp = true;
  ev->action = action;
  ev->error = 0;
  ev->wait_value = 0;
  ev->label = {};
  ev->target = {};
  ev->has_op = false;
  ev->stage = notify ? EventStage::kOther : blktrace::StageOf(code);

  std::string_view rwbs = NextToken(&rest);
  if (rwbs.empty()) return Error("the line ends before the RWBS field");
  RequestShape shape;
  std::string why;
  if (!ParseRwbs(rwbs, &shape, &ev->flags, &why)) return Error(why);

  if (notify) {
    ev->label = Trim(rest);
    return Status::Ok();
  }

  // Optional "SECTOR + NSECT", "SECTOR / NEW" or bare "SECTOR".
  rest = TrimLeft(rest);
  uint64_t nsect = 0;
  if (!rest.empty() && IsDigit(rest[0])) {
    std::string_view sector_tok = NextToken(&rest);
    if (!ParseUnsigned(sector_tok, &shape.sector)) return Error("bad sector " + Quote(sector_tok));
    std::string_view save = rest;
    std::string_view op_tok = NextToken(&rest);
    if (op_tok == "+") {
      std::string_view n_tok = NextToken(&rest);
      if (!ParseUnsigned(n_tok, &nsect) || nsect > (uint64_t{1} << 32)) {
        return Error("bad sector count " + Quote(n_tok));
      }
    } else if (op_tok == "/" && code == blktrace::kActSplit) {
      uint64_t new_sector = 0;
      std::string_view n_tok = NextToken(&rest);
      if (!ParseUnsigned(n_tok, &new_sector)) return Error("bad split sector " + Quote(n_tok));
    } else {
      rest = save;
    }
  }
  shape.bytes = nsect * kSectorSize;
  rest = TrimLeft(rest);

  if (code == blktrace::kActRemap) {
    // "<- (MAJ,MIN) FROM_SECTOR": where the request came from; not kept.
    std::string_view arrow = NextToken(&rest);
    std::string_view from_dev = NextToken(&rest);
    std::string_view from_sector = NextToken(&rest);
    uint32_t d;
    uint64_t fs;
    if (arrow != "<-" || from_dev.size() < 3 || from_dev.front() != '(' || from_dev.back() != ')' ||
        !ParseDevice(from_dev.substr(1, from_dev.size() - 2), &d) || !ParseUnsigned(from_sector, &fs) ||
        !Trim(rest).empty()) {
      return Error("bad remap details (want 'SECTOR + N <- (MAJ,MIN) SECTOR')");
    }
  } else {
    if (!rest.empty() && rest[0] == '(') {  // "(ELAPSED)" with blkparse -t; may hold spaces
      size_t close = rest.find(')');
      if (close == std::string_view::npos) return Error("unclosed '(' in " + Quote(line));
      rest = TrimLeft(rest.substr(close + 1));
    }
    if (rest.empty() || rest[0] != '[') return Error("missing [PROCESS] or [ERROR] in " + Quote(line));
    size_t close = rest.rfind(']');
    if (close == std::string_view::npos) return Error("unclosed '[' in " + Quote(line));
    std::string_view inside = rest.substr(1, close - 1);
    std::string_view after = Trim(rest.substr(close + 1));
    const bool has_count = code == blktrace::kActUnplugIo || code == blktrace::kActUnplugTimer ||
                           code == blktrace::kActZoneUnplug;
    uint64_t count = 0;
    if (has_count ? !ParseUnsigned(after, &count) : !after.empty()) {
      return Error("unexpected text after ']' in " + Quote(line));
    }
    if (code == blktrace::kActComplete || code == blktrace::kActRequeue) {
      uint32_t err = 0;
      if (!ParseUnsigned(inside, &err) || err > 0xffff) return Error("bad error code [" + std::string(inside) + "]");
      ev->error = static_cast<uint16_t>(err);
    } else {
      ev->label = inside;
    }
  }
  if (blktrace::CodeDescribesRequest(code)) MapRequest(shape, ev);
  return Status::Ok();
}

}  // namespace zonesim
