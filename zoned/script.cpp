#include "zoned/script.h"

#include <cctype>
#include <limits>

#include "zoned/device_config.h"

namespace zonesim {

namespace {

// qemu-io's cvtnum refuses values above INT64_MAX; so do we, which also keeps
// OFFSET + LEN from overflowing anywhere downstream.
constexpr uint64_t kMaxNumber = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

enum class Shape : uint8_t {
  kNone,          // flush, powercycle
  kOffsetLen,     // zone management, discard
  kOffsetCount,   // zrp
  kData,          // write/read: OFFSET LEN, with payload options
  kAppend,        // zap: OFFSET LEN [LEN...]
  kInject,        // inject FAULT OFFSET
  kCrash,         // powerloss [CRASH SPEC] (zoned/crash_spec.h)
};

struct CommandInfo {
  std::string_view name;
  std::string_view alt;  // qemu-io's altname; empty when none
  OpKind kind;
  Shape shape;
  std::string_view options;  // single-letter flags it accepts; P, S and o take a value
  std::string_view usage;
};

constexpr CommandInfo kCommands[] = {
    {"zone_report", "zrp", OpKind::kReport, Shape::kOffsetCount, "o", "[-o OPTION] OFFSET NR"},
    {"zone_open", "zo", OpKind::kOpen, Shape::kOffsetLen, "", "OFFSET LEN"},
    {"zone_close", "zc", OpKind::kClose, Shape::kOffsetLen, "", "OFFSET LEN"},
    {"zone_finish", "zf", OpKind::kFinish, Shape::kOffsetLen, "", "OFFSET LEN"},
    {"zone_reset", "zrs", OpKind::kReset, Shape::kOffsetLen, "", "OFFSET LEN"},
    {"zone_offline", "zof", OpKind::kOffline, Shape::kOffsetLen, "", "OFFSET LEN"},
    {"zone_append", "zap", OpKind::kAppend, Shape::kAppend, "pPS",
     "[-p] [-P PATTERN | -S SEED] OFFSET LEN [LEN...]"},
    {"write", "w", OpKind::kWrite, Shape::kData, "PS", "[-P PATTERN | -S SEED] OFFSET LEN"},
    {"read", "r", OpKind::kRead, Shape::kData, "vPS", "[-v] [-P PATTERN | -S SEED] OFFSET LEN"},
    {"flush", "f", OpKind::kFlush, Shape::kNone, "", ""},
    {"discard", "d", OpKind::kDiscard, Shape::kOffsetLen, "", "OFFSET LEN"},
    {"powercycle", "", OpKind::kPowerCycle, Shape::kNone, "", ""},
    {"powerloss", "", OpKind::kPowerLoss, Shape::kCrash, "",
     "[keepall | torn 512|4K SEED | reorder SEED | keep I,J,...]"},
    {"inject", "", OpKind::kInjectReadOnly, Shape::kInject, "", "readonly|offline OFFSET"},
};

const CommandInfo* find_command(std::string_view word) {
  for (const CommandInfo& c : kCommands)
    if (word == c.name || (!c.alt.empty() && word == c.alt)) return &c;
  return nullptr;
}

// The name a formatted line uses: qemu-io's short name where it has one.
std::string_view short_name(OpKind k) {
  for (const CommandInfo& c : kCommands) {
    if (c.kind != k) continue;
    if (c.kind == OpKind::kWrite || c.kind == OpKind::kRead || c.kind == OpKind::kFlush ||
        c.kind == OpKind::kDiscard)
      return c.name;  // qemu-io users spell these out
    return c.alt.empty() ? c.name : c.alt;
  }
  return "?";
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

Status bad(std::string_view cmd, const std::string& msg) {
  return Status::InvalidArgument(std::string(cmd) + ": " + msg);
}

// A size as qemu-io's cvtnum reads it (suffixes, 0x hex), at most INT64_MAX.
Status parse_number(std::string_view cmd, std::string_view what, std::string_view word,
                    uint64_t* out) {
  auto v = ParseSize(word);
  if (!v) {
    bool digits = !word.empty();
    for (char c : word) digits &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (digits) return bad(cmd, std::string(what) + " '" + std::string(word) + "' is too large");
    return bad(cmd, std::string(what) + " '" + std::string(word) + "' is not a number");
  }
  if (*v > kMaxNumber)
    return bad(cmd, std::string(what) + " '" + std::string(word) + "' is too large");
  *out = *v;
  return Status::Ok();
}

// strtol(arg, &end, 0) restricted to 0..255, as qemu-io's parse_pattern.
std::optional<uint8_t> parse_pattern_byte(std::string_view s) {
  int base = 10;
  size_t i = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    i = 1;
  }
  if (i >= s.size()) return std::nullopt;
  unsigned value = 0;
  for (; i < s.size(); ++i) {
    int c = std::tolower(static_cast<unsigned char>(s[i]));
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    value = value * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (value > 255) return std::nullopt;
  }
  return static_cast<uint8_t>(value);
}

// A 64-bit seed: decimal or 0x hex, no suffixes.
std::optional<uint64_t> parse_seed(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  size_t i = hex ? 2 : 0;
  uint64_t base = hex ? 16 : 10;
  uint64_t value = 0;
  for (; i < s.size(); ++i) {
    int c = std::tolower(static_cast<unsigned char>(s[i]));
    uint64_t d = (c >= '0' && c <= '9') ? static_cast<uint64_t>(c - '0')
                 : (hex && c >= 'a' && c <= 'f') ? static_cast<uint64_t>(c - 'a' + 10)
                                                  : 99;
    if (d >= base) return std::nullopt;
    if (value > (std::numeric_limits<uint64_t>::max() - d) / base) return std::nullopt;
    value = value * base + d;
  }
  return value;
}

std::string plural_args(size_t n) {
  return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

Status check_io_length(std::string_view cmd, uint64_t length) {
  if (length > kMaxScriptIoBytes)
    return bad(cmd, "length " + std::to_string(length) + " exceeds the maximum " +
                        std::to_string(kMaxScriptIoBytes));
  return Status::Ok();
}

}  // namespace

Status ParseScriptLine(std::string_view line, std::optional<Operation>* out) {
  out->reset();
  size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  std::vector<std::string_view> words = split_words(line);
  if (words.empty()) return Status::Ok();

  const CommandInfo* info = find_command(words[0]);
  if (info == nullptr)
    return Status::InvalidArgument("unknown command '" + std::string(words[0]) + "'");
  std::string_view cmd = words[0];

  Operation op;
  op.kind = info->kind;
  bool have_pattern = false, have_seed = false;

  // Options come first, as getopt reads them: "-p", "-v", "-P VALUE" / "-PVALUE".
  size_t i = 1;
  for (; i < words.size() && words[i].size() >= 2 && words[i][0] == '-'; ++i) {
    std::string_view w = words[i];
    char letter = w[1];
    if (info->options.find(letter) == std::string_view::npos ||
        (w.size() > 2 && letter != 'P' && letter != 'S' && letter != 'o'))
      return bad(cmd, "unknown option '" + std::string(w) + "' (usage: " + std::string(words[0]) +
                          " " + std::string(info->usage) + ")");
    if (letter == 'p') {
      op.print_sector = true;
      continue;
    }
    if (letter == 'v') {
      op.dump = true;
      continue;
    }
    std::string_view value;
    if (w.size() > 2) {
      value = w.substr(2);
    } else {
      if (i + 1 >= words.size()) return bad(cmd, "option -" + std::string(1, letter) + " needs a value");
      value = words[++i];
    }
    if (letter == 'o') {
      // zonesim's extension of zrp: the reporting option (ZNS Zone Receive
      // Action Specific field, ZBC REPORTING OPTIONS).
      auto f = report_filter_from_string(value);
      if (!f)
        return bad(cmd, "reporting option '" + std::string(value) + "' is not one of " + report_option_names());
      op.filter = *f;
    } else if (letter == 'P') {
      auto b = parse_pattern_byte(value);
      if (!b) return bad(cmd, "pattern '" + std::string(value) + "' is not a valid pattern byte");
      op.payload = Payload::Fill(*b);
      have_pattern = true;
    } else {  // 'S'
      auto s = parse_seed(value);
      if (!s) return bad(cmd, "seed '" + std::string(value) + "' is not a number");
      op.payload = Payload::Seeded(*s);
      have_seed = true;
    }
  }
  if (have_pattern && have_seed) return bad(cmd, "-P and -S cannot be combined");
  if (op.kind == OpKind::kRead) op.verify = have_pattern || have_seed;

  std::vector<std::string_view> args(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
  auto expect = [&](size_t n) -> Status {
    if (args.size() == n) return Status::Ok();
    return bad(cmd, "expected " + plural_args(n) +
                        (info->usage.empty() ? std::string() : " (" + std::string(info->usage) + ")") +
                        ", got " + std::to_string(args.size()));
  };

  Status s;
  switch (info->shape) {
    case Shape::kNone:
      s = expect(0);
      break;
    case Shape::kOffsetLen:
    case Shape::kData:
      if (!(s = expect(2)).ok()) break;
      if (!(s = parse_number(cmd, "offset", args[0], &op.offset)).ok()) break;
      if (!(s = parse_number(cmd, "length", args[1], &op.length)).ok()) break;
      if (info->shape == Shape::kData) s = check_io_length(cmd, op.length);
      break;
    case Shape::kOffsetCount: {
      if (!(s = expect(2)).ok()) break;
      if (!(s = parse_number(cmd, "offset", args[0], &op.offset)).ok()) break;
      uint64_t n = 0;
      if (!(s = parse_number(cmd, "count", args[1], &n)).ok()) break;
      // qemu-io: "Number of zones must be less than 2^32".
      if (n > std::numeric_limits<uint32_t>::max()) {
        s = bad(cmd, "count " + std::to_string(n) + " must be less than 2^32");
        break;
      }
      op.count = static_cast<uint32_t>(n);
      break;
    }
    case Shape::kAppend: {
      if (args.size() < 2) {
        s = bad(cmd, "expected at least 2 arguments (" + std::string(info->usage) + "), got " +
                         std::to_string(args.size()));
        break;
      }
      if (!(s = parse_number(cmd, "offset", args[0], &op.offset)).ok()) break;
      for (size_t a = 1; a < args.size() && s.ok(); ++a) {
        uint64_t len = 0;
        if (!(s = parse_number(cmd, "length", args[a], &len)).ok()) break;
        if (len > kMaxScriptIoBytes - op.length) {
          s = bad(cmd, "total length exceeds the maximum " + std::to_string(kMaxScriptIoBytes));
          break;
        }
        op.length += len;
      }
      break;
    }
    case Shape::kCrash:
      s = ParseCrashSpec(args, &op.crash);
      break;
    case Shape::kInject:
      if (!(s = expect(2)).ok()) break;
      if (args[0] == "readonly" || args[0] == "read_only") {
        op.kind = OpKind::kInjectReadOnly;
      } else if (args[0] == "offline") {
        op.kind = OpKind::kInjectOffline;
      } else {
        s = bad(cmd, "fault '" + std::string(args[0]) + "' is not readonly|offline");
        break;
      }
      s = parse_number(cmd, "offset", args[1], &op.offset);
      break;
  }
  if (!s.ok()) return s;
  *out = op;
  return Status::Ok();
}

Status ParseScript(std::string_view text, std::vector<Operation>* out,
                   std::vector<int>* line_numbers) {
  out->clear();
  if (line_numbers) line_numbers->clear();
  int lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    std::optional<Operation> op;
    Status s = ParseScriptLine(line, &op);
    if (!s.ok()) return Status::InvalidArgument("line " + std::to_string(lineno) + ": " + s.message());
    if (!op) continue;
    out->push_back(*op);
    if (line_numbers) line_numbers->push_back(lineno);
  }
  return Status::Ok();
}

std::string FormatScriptSize(uint64_t bytes) {
  if (bytes == 0) return "0";
  static constexpr struct {
    int shift;
    char suffix;
  } kUnits[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
  for (const auto& u : kUnits) {
    uint64_t unit = 1ull << u.shift;
    if (bytes % unit == 0) return std::to_string(bytes >> u.shift) + u.suffix;
  }
  return std::to_string(bytes);
}

namespace {

std::string pattern_text(uint8_t b) {
  static const char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
}

// " -P 0xNN" / " -S SEED"; nothing for qemu-io's default fill when allowed.
std::string payload_options(const Payload& p, bool omit_default_fill) {
  if (p.kind == Payload::Kind::kSeeded) return " -S " + std::to_string(p.value);
  uint8_t b = static_cast<uint8_t>(p.value);
  if (omit_default_fill && b == kDefaultPattern) return "";
  return " -P " + pattern_text(b);
}

}  // namespace

std::string FormatScriptLine(const Operation& op) {
  std::string name(short_name(op.kind));
  auto range = [&] { return " " + FormatScriptSize(op.offset) + " " + FormatScriptSize(op.length); };
  switch (op.kind) {
    case OpKind::kRead:
      return name + (op.dump ? " -v" : "") + (op.verify ? payload_options(op.payload, false) : "") +
             range();
    case OpKind::kWrite:
      return name + payload_options(op.payload, true) + range();
    case OpKind::kAppend:
      return name + (op.print_sector ? " -p" : "") + payload_options(op.payload, true) + range();
    case OpKind::kFlush:
    case OpKind::kPowerCycle:
      return name;
    case OpKind::kDiscard:
    case OpKind::kOpen:
    case OpKind::kClose:
    case OpKind::kFinish:
    case OpKind::kReset:
    case OpKind::kOffline:
      return name + range();
    case OpKind::kReport:
      return name + (op.filter == ReportFilter::kAll ? "" : " -o " + std::string(report_option_name(op.filter))) +
             " " + FormatScriptSize(op.offset) + " " + std::to_string(op.count);
    case OpKind::kInjectReadOnly:
      return "inject readonly " + FormatScriptSize(op.offset);
    case OpKind::kInjectOffline:
      return "inject offline " + FormatScriptSize(op.offset);
    case OpKind::kPowerLoss: {
      std::string spec = FormatCrashSpec(op.crash);
      return spec.empty() ? name : name + " " + spec;
    }
  }
  return "# unknown operation";
}

std::string FormatScript(const std::vector<Operation>& ops) {
  std::string out;
  for (const Operation& op : ops) out += FormatScriptLine(op) + "\n";
  return out;
}

}  // namespace zonesim
