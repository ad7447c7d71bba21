// The qemu-io script dialect (zoned/script.h): every command, both spellings,
// sizes, options, comments, round trips, and every parse error.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "zoned/script.h"

namespace zonesim {
namespace {

Operation Parse(std::string_view line) {
  std::optional<Operation> op;
  Status s = ParseScriptLine(line, &op);
  INFO("line: ", std::string(line), " error: ", s.message());
  REQUIRE(s.ok());
  REQUIRE(op.has_value());
  return *op;
}

std::string Error(std::string_view line) {
  std::optional<Operation> op;
  Status s = ParseScriptLine(line, &op);
  INFO("line: ", std::string(line));
  REQUIRE_FALSE(s.ok());
  CHECK(s.IsInvalidArgument());
  CHECK_FALSE(op.has_value());
  return s.message();
}

constexpr uint64_t K = 1024, M = 1024 * 1024;

}  // namespace

TEST_CASE("io script: zone report") {
  Operation op = Parse("zrp 64M 4");
  CHECK(op.kind == OpKind::kReport);
  CHECK(op.offset == 64 * M);
  CHECK(op.count == 4);
  CHECK(op.length == 0);
  CHECK(Parse("zone_report 0 0x10") == Parse("zrp 0 16"));
}

TEST_CASE("io script: zone management commands and their long names") {
  struct Case {
    const char* short_form;
    const char* long_form;
    OpKind kind;
  } cases[] = {{"zo", "zone_open", OpKind::kOpen},        {"zc", "zone_close", OpKind::kClose},
               {"zf", "zone_finish", OpKind::kFinish},    {"zrs", "zone_reset", OpKind::kReset},
               {"zof", "zone_offline", OpKind::kOffline}};
  for (const Case& c : cases) {
    Operation op = Parse(std::string(c.short_form) + " 128M 64M");
    CHECK(op.kind == c.kind);
    CHECK(op.offset == 128 * M);
    CHECK(op.length == 64 * M);
    CHECK(Parse(std::string(c.long_form) + " 128M 64M") == op);
  }
}

TEST_CASE("io script: write and read with patterns") {
  Operation w = Parse("write 0 4k");
  CHECK(w.kind == OpKind::kWrite);
  CHECK(w.payload == Payload::Fill(0xcd));  // qemu-io's default write pattern
  CHECK(Parse("write -P 0xaa 4096 8K").payload == Payload::Fill(0xaa));
  CHECK(Parse("write -P0xaa 4096 8K") == Parse("write -P 0xaa 4096 8K"));
  CHECK(Parse("w -P 170 4096 8K") == Parse("write -P 0xaa 4096 8K"));
  CHECK(Parse("write -P 0252 4096 8K").payload == Payload::Fill(0xaa));  // octal, as strtol
  CHECK(Parse("write -P 0 0 512").payload == Payload::Fill(0));

  Operation r = Parse("read 1M 4K");
  CHECK(r.kind == OpKind::kRead);
  CHECK_FALSE(r.verify);
  CHECK_FALSE(r.dump);
  Operation rp = Parse("read -P 0x5a 1M 4K");
  CHECK(rp.verify);
  CHECK(rp.payload == Payload::Fill(0x5a));
  CHECK(rp.offset == M);
  CHECK(rp.length == 4 * K);
  Operation rv = Parse("r -v -P 7 0 512");
  CHECK(rv.dump);
  CHECK(rv.verify);
  CHECK(rv.payload == Payload::Fill(7));
}

TEST_CASE("io script: seeded data for fuzz reproducers") {
  Operation w = Parse("write -S 42 8K 4K");
  CHECK(w.payload == Payload::Seeded(42));
  Operation r = Parse("read -S 0x2a 8K 4K");
  CHECK(r.verify);
  CHECK(r.payload == Payload::Seeded(42));
  CHECK(Parse("zap -S 18446744073709551615 0 4K").payload == Payload::Seeded(UINT64_MAX));
}

TEST_CASE("io script: zone append sums its lengths") {
  Operation a = Parse("zap -p 64M 4k 8k");
  CHECK(a.kind == OpKind::kAppend);
  CHECK(a.print_sector);
  CHECK(a.offset == 64 * M);
  CHECK(a.length == 12 * K);
  CHECK(a.payload == Payload::Fill(0xcd));
  Operation b = Parse("zone_append 0 512 512 512");
  CHECK_FALSE(b.print_sector);
  CHECK(b.length == 1536);
  CHECK(Parse("zap -P 0x01 0 4K").payload == Payload::Fill(1));
}

TEST_CASE("io script: flush, discard, powercycle, inject") {
  CHECK(Parse("flush").kind == OpKind::kFlush);
  CHECK(Parse("f") == Parse("flush"));
  Operation d = Parse("discard 1M 2M");
  CHECK(d.kind == OpKind::kDiscard);
  CHECK(d.length == 2 * M);
  CHECK(Parse("powercycle").kind == OpKind::kPowerCycle);
  Operation ro = Parse("inject readonly 3M");
  CHECK(ro.kind == OpKind::kInjectReadOnly);
  CHECK(ro.offset == 3 * M);
  CHECK(Parse("inject offline 0x100000").kind == OpKind::kInjectOffline);
}

TEST_CASE("io script: sizes take suffixes and hex") {
  CHECK(Parse("zo 1G 1g").offset == 1024 * M);
  CHECK(Parse("zo 0 2T").length == 2 * 1024 * 1024 * M);
  CHECK(Parse("zo 0x200 0").offset == 512);
  CHECK(Parse("zo 4KiB 0").offset == 4096);
}

TEST_CASE("io script: comments, blank lines, whitespace") {
  std::optional<Operation> op;
  CHECK(ParseScriptLine("", &op).ok());
  CHECK_FALSE(op.has_value());
  CHECK(ParseScriptLine("   \t ", &op).ok());
  CHECK_FALSE(op.has_value());
  CHECK(ParseScriptLine("# zo abc", &op).ok());
  CHECK_FALSE(op.has_value());
  CHECK(Parse("  zo\t0   1M  # open zone 0\r") == Parse("zo 0 1M"));

  std::vector<Operation> ops;
  std::vector<int> lines;
  Status s = ParseScript("# header\n\nzo 0 1M\n  # note\nwrite 0 4K\nflush", &ops, &lines);
  REQUIRE(s.ok());
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].kind == OpKind::kOpen);
  CHECK(ops[2].kind == OpKind::kFlush);
  CHECK(lines == std::vector<int>{3, 5, 6});
}

TEST_CASE("io script: ParseScript names the line of an error") {
  std::vector<Operation> ops;
  Status s = ParseScript("zo 0 1M\n\nzo abc 1M\n", &ops);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "line 3: zo: offset 'abc' is not a number");
}

TEST_CASE("io script: every parse error has a clear message") {
  CHECK(Error("frobnicate 0 1M") == "unknown command 'frobnicate'");
  CHECK(Error("zo abc 1M") == "zo: offset 'abc' is not a number");
  CHECK(Error("zo 0 1X") == "zo: length '1X' is not a number");
  CHECK(Error("zo -5 1M") == "zo: unknown option '-5' (usage: zo OFFSET LEN)");
  CHECK(Error("zo 0") == "zo: expected 2 arguments (OFFSET LEN), got 1");
  CHECK(Error("zo 0 1M 2M") == "zo: expected 2 arguments (OFFSET LEN), got 3");
  CHECK(Error("zrp 0") == "zrp: expected 2 arguments ([-o OPTION] OFFSET NR), got 1");
  CHECK(Error("zrp 0 many") == "zrp: count 'many' is not a number");
  CHECK(Error("zrp 0 4294967296") == "zrp: count 4294967296 must be less than 2^32");
  CHECK(Error("zrp 9223372036854775808 1") == "zrp: offset '9223372036854775808' is too large");
  CHECK(Error("zrp 99999999999999999999 1") == "zrp: offset '99999999999999999999' is too large");
  CHECK(Error("flush now") == "flush: expected 0 arguments, got 1");
  CHECK(Error("powercycle 1") == "powercycle: expected 0 arguments, got 1");
  CHECK(Error("write 0") ==
        "write: expected 2 arguments ([-P PATTERN | -S SEED] OFFSET LEN), got 1");
  CHECK(Error("write -P 0x100 0 4K") == "write: pattern '0x100' is not a valid pattern byte");
  CHECK(Error("write -P 256 0 4K") == "write: pattern '256' is not a valid pattern byte");
  CHECK(Error("write -P 0x 0 4K") == "write: pattern '0x' is not a valid pattern byte");
  CHECK(Error("write -P 09 0 4K") == "write: pattern '09' is not a valid pattern byte");
  CHECK(Error("write -P ab 0 4K") == "write: pattern 'ab' is not a valid pattern byte");
  CHECK(Error("write -P") == "write: option -P needs a value");
  CHECK(Error("write -S x1 0 4K") == "write: seed 'x1' is not a number");
  CHECK(Error("write -S 18446744073709551616 0 4K") ==
        "write: seed '18446744073709551616' is not a number");
  CHECK(Error("write -P 1 -S 2 0 4K") == "write: -P and -S cannot be combined");
  CHECK(Error("write -v 0 4K") ==
        "write: unknown option '-v' (usage: write [-P PATTERN | -S SEED] OFFSET LEN)");
  CHECK(Error("read -p 0 4K") ==
        "read: unknown option '-p' (usage: read [-v] [-P PATTERN | -S SEED] OFFSET LEN)");
  CHECK(Error("read -vv 0 4K") ==
        "read: unknown option '-vv' (usage: read [-v] [-P PATTERN | -S SEED] OFFSET LEN)");
  CHECK(Error("zo -p 0 1M") == "zo: unknown option '-p' (usage: zo OFFSET LEN)");
  CHECK(Error("read 0 2G") == "read: length 2147483648 exceeds the maximum 1073741824");
  CHECK(Error("write 0 1025M") == "write: length 1074790400 exceeds the maximum 1073741824");
  CHECK(Error("zap 0") ==
        "zap: expected at least 2 arguments ([-p] [-P PATTERN | -S SEED] OFFSET LEN [LEN...]), got 1");
  CHECK(Error("zap -p 0 512M 512M 4K") == "zap: total length exceeds the maximum 1073741824");
  CHECK(Error("zap 0 4K x") == "zap: length 'x' is not a number");
  CHECK(Error("inject broken 0") == "inject: fault 'broken' is not readonly|offline");
  CHECK(Error("inject offline") ==
        "inject: expected 2 arguments (readonly|offline OFFSET), got 1");
  CHECK(Error("inject offline zz") == "inject: offset 'zz' is not a number");
  CHECK(Error("discard 0 4K 4K") == "discard: expected 2 arguments (OFFSET LEN), got 3");
}

TEST_CASE("io script: sizes format with the largest exact suffix") {
  CHECK(FormatScriptSize(0) == "0");
  CHECK(FormatScriptSize(512) == "512");
  CHECK(FormatScriptSize(1536) == "1536");
  CHECK(FormatScriptSize(4096) == "4K");
  CHECK(FormatScriptSize(3 * M + 4 * K) == "3076K");
  CHECK(FormatScriptSize(64 * M) == "64M");
  CHECK(FormatScriptSize(2048 * M) == "2G");
  CHECK(FormatScriptSize(1ull << 40) == "1T");
}

TEST_CASE("io script: canonical lines") {
  CHECK(FormatScriptLine(Parse("zone_open 0x8000000 64M")) == "zo 128M 64M");
  CHECK(FormatScriptLine(Parse("zrp 0 8")) == "zrp 0 8");
  CHECK(FormatScriptLine(Parse("w 0 4096")) == "write 0 4K");
  CHECK(FormatScriptLine(Parse("write -P 0xCD 0 4096")) == "write 0 4K");
  CHECK(FormatScriptLine(Parse("write -P 10 512 512")) == "write -P 0x0a 512 512");
  CHECK(FormatScriptLine(Parse("read -P 0xcd 0 4K")) == "read -P 0xcd 0 4K");
  CHECK(FormatScriptLine(Parse("read -v 0 4K")) == "read -v 0 4K");
  CHECK(FormatScriptLine(Parse("read -S 9 0 4K")) == "read -S 9 0 4K");
  CHECK(FormatScriptLine(Parse("zap -p 0 4K 8K")) == "zap -p 0 12K");
  CHECK(FormatScriptLine(Parse("zone_append -S 5 1M 4K")) == "zap -S 5 1M 4K");
  CHECK(FormatScriptLine(Parse("f")) == "flush");
  CHECK(FormatScriptLine(Parse("inject read_only 2M")) == "inject readonly 2M");
  CHECK(FormatScriptLine(Parse("inject offline 2M")) == "inject offline 2M");
  CHECK(FormatScriptLine(Parse("powercycle")) == "powercycle");
  CHECK(FormatScriptLine(Parse("d 0 1M")) == "discard 0 1M");
  CHECK(FormatScriptLine(Parse("zone_offline 1M 1M")) == "zof 1M 1M");
}

TEST_CASE("io script: every line round-trips through FormatScriptLine") {
  const char* lines[] = {
      "zrp 0 8",           "zrp 1536 4294967295", "zo 0 1M",          "zc 64M 128M",
      "zf 0x1000 512",     "zrs 0 768M",          "zof 2M 1M",        "zap 0 4K",
      "zap -p 1M 4K 4K",   "zap -P 0x12 0 512",   "zap -p -S 77 0 8K", "write 0 4K",
      "write -P 0 1K 1K",  "write -S 123456789 0 4K", "read 0 4K",    "read -P 0xff 0 512",
      "read -v 0 512",     "read -v -S 3 0 512",  "flush",            "discard 4K 4K",
      "powercycle",        "inject readonly 1M",  "inject offline 0", "zo 9223372036854775807 0",
  };
  std::vector<Operation> all;
  for (const char* line : lines) {
    Operation op = Parse(line);
    std::string text = FormatScriptLine(op);
    INFO(line, " -> ", text);
    CHECK(Parse(text) == op);
    CHECK(FormatScriptLine(Parse(text)) == text);  // the canonical form is a fixed point
    all.push_back(op);
  }
  std::vector<Operation> again;
  REQUIRE(ParseScript(FormatScript(all), &again).ok());
  CHECK(again == all);
}

}  // namespace zonesim
