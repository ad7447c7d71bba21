// The blkparse text reader: the committed blkparse output of the twocpu
// fixture agrees with the binary reader, RWBS decoding, skipped header and
// statistics lines, and malformed lines.
#include <doctest/doctest.h>

#include "traces/blkparse_text_reader.h"
#include "traces/rwbs.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

constexpr uint64_t KiB = 1024;

TEST_CASE("blkparse text: the fixture agrees with the binary trace it was made from") {
  auto text = ReadTrace({Fixture("twocpu.blkparse.txt")});
  auto bin = ReadTrace({Fixture("twocpu")});
  std::vector<OwnedEvent> printed;  // blkparse does not print process notify records
  for (const auto& e : bin)
    if (e.action != "NP") printed.push_back(e);
  REQUIRE(text.size() == 27);
  REQUIRE(printed.size() == 27);
  for (size_t i = 0; i < text.size(); ++i) {
    CAPTURE(i);
    const TraceEvent& t = text[i].ev;
    const TraceEvent& b = printed[i].ev;
    CHECK(text[i].action == printed[i].action);
    CHECK(t.stage == b.stage);
    CHECK(t.cpu == b.cpu);
    if (text[i].action != "m") CHECK(t.pid == b.pid);  // blkparse prints messages with pid 0
    CHECK(t.sequence == b.sequence);
    CHECK(t.device == b.device);
    CHECK(t.flags == b.flags);
    // blkparse prints times from the first event (1000 ns).
    CHECK(t.timestamp_ns == b.timestamp_ns - 1000);
    CHECK(t.has_op == b.has_op);
    if (!t.has_op) continue;
    CHECK(t.op.kind == b.op.kind);
    CHECK(t.op.length == b.op.length);
    // A request without data prints no sector at Q and D ("Q   W [fio]").
    if (b.op.length != 0 || text[i].action == "C") CHECK(t.op.offset == b.op.offset);
    if (text[i].action == "Q" || text[i].action == "D") CHECK(text[i].label == printed[i].label);
    CHECK(text[i].ev.origin.is_line);
  }
  // Exact fields of a few lines.
  CHECK(text[0].ev.origin.index == 1);
  CHECK(text[0].label == "fio");
  CHECK(text[0].ev.op.kind == OpKind::kWrite);
  CHECK(text[0].ev.op.offset == 0);
  CHECK(text[0].ev.op.length == 64 * KiB);
  CHECK(text[0].ev.op.payload == Payload::Seeded(PayloadSeedFor(text[0].ev.origin)));
  CHECK(text[15].action == "m");
  CHECK(text[15].label == "zonesim fixture");
  CHECK(text[15].ev.pid == 0);
}

TEST_CASE("blkparse text: RWBS fields") {
  struct Case {
    const char* rwbs;
    RequestType type;
    bool flush;
    uint32_t flags;
  } cases[] = {
      {"W", RequestType::kWrite, false, 0},
      {"WS", RequestType::kWrite, false, kFlagSync},
      {"RA", RequestType::kRead, false, kFlagReadahead},
      {"FWFS", RequestType::kWrite, true, kFlagFua | kFlagSync},
      {"FWFSM", RequestType::kWrite, true, kFlagFua | kFlagSync | kFlagMeta},
      {"WFSM", RequestType::kWrite, false, kFlagFua | kFlagSync | kFlagMeta},
      {"FN", RequestType::kNone, true, 0},
      {"N", RequestType::kNone, false, 0},
      {"D", RequestType::kDiscard, false, 0},
      {"DS", RequestType::kDiscard, false, kFlagSync},
      {"ZA", RequestType::kZoneAppend, false, 0},
      {"ZAF", RequestType::kZoneAppend, false, kFlagFua},
      {"ZR", RequestType::kZoneReset, false, 0},
      {"ZRA", RequestType::kZoneResetAll, false, 0},
      {"ZO", RequestType::kZoneOpen, false, 0},
      {"ZC", RequestType::kZoneClose, false, 0},
      {"ZF", RequestType::kZoneFinish, false, 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rwbs);
    RequestShape s;
    uint32_t flags = 0;
    std::string err;
    REQUIRE(ParseRwbs(c.rwbs, &s, &flags, &err));
    CHECK(s.type == c.type);
    CHECK(s.flush == c.flush);
    CHECK(flags == c.flags);
  }
  RequestShape s;
  uint32_t flags;
  std::string err;
  CHECK_FALSE(ParseRwbs("X", &s, &flags, &err));
  CHECK(err == "RWBS field 'X' has no request type (D, W, R, N or Z?)");
  CHECK_FALSE(ParseRwbs("WSF", &s, &flags, &err));  // FUA comes before sync
  CHECK(err == "RWBS field 'WSF' has an unexpected 'F'");
  CHECK_FALSE(ParseRwbs("F", &s, &flags, &err));
}

TEST_CASE("blkparse text: line shapes, headers and statistics") {
  testing::TestDir t;
  WriteFile(t.File("t.txt"),
            "#Maj,Mn CPU   SeqNo     Seconds     PID  Evt Typ Sector   +Len Description\n"
            "# ---\n"
            "259,0    3        1     0.000000000  1867  A   W 746579600 + 8 <- (253,3) 578805392\n"
            "259,0    3        3     0.000000299  1867  Q   W 763360912 + 8 [dmcrypt_write/2]\n"
            "259,0   11        2     0.024124474  1889  Q FWFS [jbd2/dm-4-8]\n"
            "259,0   11        4     0.024133625   612  D  FN [kworker/11:1H]\n"
            "259,0   11        5     0.024899010     0  C  FN 0 [0]\n"
            "  8,0    1      255     9.932077822 29743  U   N [kworker/1:0] 1\n"
            "  8,0    1      253     9.932058922 29743  P   N [kworker/1:0]\n"
            "  8,0    0        7     1.5  42  X   W 100 / 108 [kworker/u8:2]\n"
            "  8,0    0        8     1.6  42  C   W 100 + 16 (    1234) [5]\n"
            "  8,0    0        9     1.7  42  Q   R 200 + 8 [Web Content]\n"
            "\n"
            "CPU0 (nvme0n1):\n"
            " Reads Queued:           0,        0KiB\t Writes Queued:           1,        0KiB\n"
            "Total (nvme0n1):\n"
            "Throughput (R/W): 0KiB/s / 46KiB/s\n"
            "Events (nvme0n1): 1,364 entries\n"
            "Skips: 0 forward (0 -   0.0%)\n"
            "Input file nvme0n1.blktrace.0 added\n");
  auto ev = ReadTrace({t.File("t.txt")});
  REQUIRE(ev.size() == 10);
  CHECK(ev[0].action == "A");
  CHECK(ev[0].ev.op.offset == 746579600ull * 512);
  CHECK(ev[0].ev.origin.index == 3);
  CHECK(ev[1].ev.op.kind == OpKind::kWrite);
  CHECK(ev[1].ev.op.offset == 763360912ull * 512);
  CHECK(ev[1].ev.op.length == 4096);
  CHECK(ev[1].label == "dmcrypt_write/2");
  CHECK(ev[1].ev.timestamp_ns == 299);
  CHECK(ev[1].ev.device == MakeDevice(259, 0));
  // An empty preflush+FUA write is a flush.
  CHECK(ev[2].ev.op.kind == OpKind::kFlush);
  CHECK(ev[2].ev.flags == (kFlagFua | kFlagSync));
  CHECK(ev[2].ev.timestamp_ns == 24124474);
  CHECK(ev[3].ev.op.kind == OpKind::kFlush);
  CHECK(ev[3].ev.stage == EventStage::kIssue);
  CHECK(ev[4].ev.op.kind == OpKind::kFlush);
  CHECK(ev[4].ev.error == 0);
  CHECK_FALSE(ev[5].ev.has_op);
  CHECK(ev[5].action == "U");
  CHECK(ev[5].label == "kworker/1:0");
  CHECK(ev[5].ev.timestamp_ns == 9932077822ull);
  CHECK_FALSE(ev[6].ev.has_op);
  CHECK(ev[7].action == "X");
  CHECK(ev[7].ev.op.offset == 100 * 512);
  CHECK(ev[8].ev.error == 5);
  CHECK(ev[8].ev.op.length == 16 * 512);
  CHECK(ev[8].ev.timestamp_ns == 1600000000);
  CHECK(ev[9].label == "Web Content");
  CHECK(ev[9].ev.op.kind == OpKind::kRead);
}

TEST_CASE("blkparse text: malformed lines name the line and the problem") {
  testing::TestDir t;
  auto err = [&](const std::string& line) {
    WriteFile(t.File("bad.txt"), "259,0 3 1 0.000000001 1 Q W 8 + 8 [ok]\n" + line + "\n");
    return ReadError({t.File("bad.txt")}, TraceFormat::kBlkparseText);
  };
  const std::string f = t.File("bad.txt") + ": line 2: ";
  CHECK(err("259,0 3 2 0.5 1 Q W 8 + x [p]") == f + "bad sector count 'x'");
  CHECK(err("259,0 3 2 0.5 1 Q W 8 + 8") == f + "missing [PROCESS] or [ERROR] in '259,0 3 2 0.5 1 Q W 8 + 8'");
  CHECK(err("259,0 3 2 0.5 1 Y W 8 + 8 [p]") == f + "unknown action 'Y'");
  CHECK(err("259,0 3 2 0.5 1 Q Q 8 + 8 [p]") == f + "RWBS field 'Q' has no request type (D, W, R, N or Z?)");
  CHECK(err("259,0 3 2 0.5x 1 Q W 8 + 8 [p]") == f + "bad time '0.5x' (want SECONDS.NANOSECONDS)");
  CHECK(err("259,0 3 two 0.5 1 Q W 8 + 8 [p]") == f + "bad sequence number 'two'");
  CHECK(err("259,0 3 2 0.5 1 C W 8 + 8 [oops]") == f + "bad error code [oops]");
  CHECK(err("259,0 3 2 0.5 1 Q W 8 + 8 [p] extra") == f + "unexpected text after ']' in '259,0 3 2 0.5 1 Q W 8 + 8 [p] extra'");
  CHECK(err("259,0 3 2 0.5 1 A W 8 + 8 <- 253,3 5") == f + "bad remap details (want 'SECTOR + N <- (MAJ,MIN) SECTOR')");
  CHECK(err("259,0 3") == f + "bad sequence number ''");
  CHECK(err("hello") == f + "not a blkparse trace or statistics line: 'hello'");
}

TEST_CASE("blkparse text: the real dm-crypt capture (skipped without ../shared)") {
  const std::string dir = SharedTraces();
  if (dir.empty()) return;
  std::unique_ptr<BlkparseTextReader> r;
  REQUIRE(BlkparseTextReader::Open(dir + "/nvme0n1.blktrace.txt", 1 << 20, &r).ok());
  std::vector<OwnedEvent> all;
  REQUIRE(ReadAllEvents(r.get(), &all).ok());
  // blkparse counted 1,364 entries; every one is a line here.
  CHECK(all.size() == 1364);
  size_t queued = 0, flushes = 0, fua = 0;
  for (const auto& e : all) {
    if (e.action == "Q") ++queued;
    if (e.ev.has_op && e.ev.op.kind == OpKind::kFlush) ++flushes;
    if (e.ev.flags & kFlagFua) ++fua;
  }
  CHECK(queued == 248);  // "Writes Queued: 248"
  CHECK(flushes > 0);
  CHECK(fua > 0);
  CHECK(r->skipped_lines() > 0);
}

}  // namespace
}  // namespace zonesim
