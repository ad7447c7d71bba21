// trace_fixture_gen OUTDIR: writes the binary trace fixtures committed under
// traces/fixtures/ (traces/fixtures/PROVENANCE.md lists what else was made
// from them with blkparse and fio). Output is a pure function of this file,
// so traces_tests regenerates it and compares bytes with the committed copy.
//
//   twocpu.blktrace.{0,1}    v7 little-endian, 2 CPUs: writes, readahead read,
//                            FUA, flush, discard, preflush+FUA+meta, a back
//                            merge, a remap, plug/unplug, a message, notify names
//   bigendian.blktrace.0     the same workload on one CPU, big-endian
//   zoned_v8.blktrace.0      v8 (blk_io_trace2): write, zone append, open,
//                            close, finish, reset, reset-all, write zeroes,
//                            zone plug/unplug
//   mismatch.blktrace.1      records that say cpu 0 in the file of cpu 1
//   truncated.blktrace.0     twocpu.blktrace.0 cut 20 bytes into its last record
//   badmagic.blktrace.0      twocpu.blktrace.0 with record 3's magic overwritten
//   zoned_v8.script          zoned_v8's queue events as a zonesim io script
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "traces/blktrace_mapping.h"
#include "traces/blktrace_writer.h"
#include "traces/io_selection.h"
#include "traces/script_writer.h"

using namespace zonesim;
using namespace zonesim::blktrace;

namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * 1024;

#define CHECK_OK(expr)                                                  \
  do {                                                                  \
    Status _s = (expr);                                                 \
    if (!_s.ok()) {                                                     \
      std::fprintf(stderr, "trace_fixture_gen: %s\n", _s.ToString().c_str()); \
      std::exit(1);                                                     \
    }                                                                   \
  } while (0)

Operation Op(OpKind kind, uint64_t offset, uint64_t length) {
  Operation op;
  op.kind = kind;
  op.offset = offset;
  op.length = length;
  return op;
}

// be64 payload, as the kernel logs unplug counts and split sectors.
std::string Be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (56 - 8 * i));
  return s;
}

// struct blk_io_trace_remap: be32 device_from, be32 device_to, be64 sector_from.
std::string RemapPdu(uint32_t from, uint32_t to, uint64_t sector_from) {
  std::string s(16, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(from >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) s[4 + i] = static_cast<char>(to >> (24 - 8 * i));
  std::string be = Be64(sector_from);
  std::memcpy(s.data() + 8, be.data(), 8);
  return s;
}

// Writes a record that is not an Operation (plug, unplug, remap, message).
void Raw(BlktraceWriter* w, uint32_t cpu, uint64_t time, uint32_t pid, uint64_t action, uint64_t sector,
         uint32_t bytes, const std::string& pdu, uint32_t device) {
  Record r;
  r.time = time;
  r.cpu = cpu;
  r.pid = pid;
  r.action = action;
  r.sector = sector;
  r.bytes = bytes;
  r.device = device;
  if (!(r.categories() & kTcNotify)) r.sequence = w->NextSequence(cpu);
  CHECK_OK(w->WriteRecord(r, pdu));
}

// The 2-CPU workload; cpu_of maps the workload's CPU to the file's.
void WriteTwoCpuWorkload(BlktraceWriter* w, bool one_cpu) {
  const uint32_t dev = MakeDevice(259, 0);
  auto cpu = [&](uint32_t c) { return one_cpu ? 0u : c; };
  auto io = [&](const Operation& op, uint16_t code, uint64_t t, uint32_t c, uint32_t pid, uint32_t flags) {
    BlktraceWriter::IoInfo info;
    info.time_ns = t;
    info.cpu = cpu(c);
    info.pid = pid;
    info.flags = flags;
    CHECK_OK(w->WriteOperation(op, code, info));
  };
  const Operation w1 = Op(OpKind::kWrite, 0, 64 * KiB);
  const Operation r1 = Op(OpKind::kRead, 1 * MiB, 4 * KiB);
  const Operation w2 = Op(OpKind::kWrite, 64 * KiB, 64 * KiB);
  const Operation w3 = Op(OpKind::kWrite, 128 * KiB, 64 * KiB);
  const Operation fl = Op(OpKind::kFlush, 0, 0);
  const Operation d1 = Op(OpKind::kDiscard, 2 * MiB, 1 * MiB);
  const Operation w4 = Op(OpKind::kWrite, 3 * MiB, 4 * KiB);
  const Operation w0 = Op(OpKind::kWrite, 4 * MiB, 0);  // what a v7 zone reset looks like

  CHECK_OK(w->WriteProcessName(cpu(0), 0, 100, "fio"));
  CHECK_OK(w->WriteProcessName(cpu(1), 500, 200, "kworker/1:1H"));
  io(w1, kActQueue, 1000, 0, 100, kFlagSync);
  Raw(w, cpu(0), 1500, 100, CategoryBits(kTcQueue) | kActPlug, 0, 0, "", dev);
  io(w1, kActIssue, 2000, 0, 100, kFlagSync);
  Raw(w, cpu(0), 2100, 100, CategoryBits(kTcQueue) | kActUnplugIo, 0, 0, Be64(1), dev);
  // The read arrives through partition 259,1 (starting at sector 2048 - 256).
  Raw(w, cpu(1), 2400, 200, CategoryBits(kTcQueue | kTcRead | kTcAhead) | kActRemap, r1.offset / 512,
      static_cast<uint32_t>(r1.length), RemapPdu(MakeDevice(259, 1), dev, r1.offset / 512 - 256), dev);
  io(r1, kActQueue, 2500, 1, 200, kFlagReadahead);
  io(r1, kActIssue, 3000, 1, 200, kFlagReadahead);
  io(r1, kActComplete, 8000, 1, 0, kFlagReadahead);
  io(w1, kActComplete, 9000, 0, 0, kFlagSync);
  io(w2, kActQueue, 10000, 0, 100, kFlagSync | kFlagFua);
  io(w3, kActQueue, 10400, 0, 100, kFlagSync | kFlagFua);
  io(w3, kActBackmerge, 10500, 0, 100, kFlagSync | kFlagFua);
  io(Op(OpKind::kWrite, 64 * KiB, 128 * KiB), kActIssue, 11000, 0, 100, kFlagSync | kFlagFua);
  io(fl, kActQueue, 12000, 1, 200, 0);
  io(fl, kActIssue, 12500, 1, 200, 0);
  Raw(w, cpu(1), 13000, 200, CategoryBits(kTcNotify) | kNotifyMessage, 0, 0, std::string("zonesim fixture\0", 16), dev);
  io(fl, kActComplete, 14000, 1, 0, 0);
  io(Op(OpKind::kWrite, 64 * KiB, 128 * KiB), kActComplete, 15000, 0, 0, kFlagSync | kFlagFua);
  io(d1, kActQueue, 16000, 0, 100, 0);
  io(d1, kActIssue, 16500, 0, 100, 0);
  io(w4, kActQueue, 17000, 1, 200, kFlagPreflush | kFlagFua | kFlagSync | kFlagMeta);
  io(w4, kActIssue, 17500, 1, 200, kFlagPreflush | kFlagFua | kFlagSync | kFlagMeta);
  io(d1, kActComplete, 20000, 0, 0, 0);
  io(w4, kActComplete, 21000, 1, 0, kFlagPreflush | kFlagFua | kFlagSync | kFlagMeta);
  io(w0, kActQueue, 22000, 0, 100, 0);
  io(w0, kActIssue, 22500, 0, 100, 0);
  io(w0, kActComplete, 23000, 0, 0, 0);
}

void WriteZonedV8(BlktraceWriter* w) {
  const uint32_t dev = MakeDevice(259, 1);
  auto qdc = [&](const Operation& op, uint64_t t, uint32_t flags = 0) {
    BlktraceWriter::IoInfo info;
    info.pid = 300;
    info.flags = flags;
    for (uint16_t code : {kActQueue, kActIssue, kActComplete}) {
      info.time_ns = t;
      info.pid = code == kActComplete ? 0 : 300;
      CHECK_OK(w->WriteOperation(op, code, info));
      t += 100;
    }
  };
  CHECK_OK(w->WriteProcessName(0, 0, 300, "zbd-test"));
  qdc(Op(OpKind::kWrite, 0, 64 * KiB), 1000);
  // Zone append: queued at the zone start; its completion (BLK_TA_ZONE_APPEND)
  // names where the data landed.
  BlktraceWriter::IoInfo info;
  info.pid = 300;
  info.time_ns = 2000;
  CHECK_OK(w->WriteOperation(Op(OpKind::kAppend, 1 * MiB, 64 * KiB), kActQueue, info));
  Raw(w, 0, 2050, 300, CategoryBits(kTcQueue) | kActZonePlug, 1 * MiB / 512, 0, "", dev);
  Raw(w, 0, 2080, 300, CategoryBits(kTcQueue) | kActZoneUnplug, 1 * MiB / 512, 0, Be64(1), dev);
  info.time_ns = 2100;
  CHECK_OK(w->WriteOperation(Op(OpKind::kAppend, 1 * MiB, 64 * KiB), kActIssue, info));
  info.time_ns = 2200;
  info.pid = 0;
  CHECK_OK(w->WriteOperation(Op(OpKind::kAppend, 1 * MiB + 128 * KiB, 64 * KiB), kActComplete, info));
  qdc(Op(OpKind::kOpen, 2 * MiB, 0), 3000);
  qdc(Op(OpKind::kClose, 2 * MiB, 0), 4000);
  qdc(Op(OpKind::kFinish, 3 * MiB, 0), 5000);
  qdc(Op(OpKind::kReset, 0, 0), 6000);
  qdc(Op(OpKind::kReset, 0, kZoneRangeAll), 7000);
  Operation zeroes = Op(OpKind::kWrite, 4 * MiB, 4 * KiB);
  zeroes.payload = Payload::Fill(0);
  qdc(zeroes, 8000, kFlagWriteZeroes);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "trace_fixture_gen: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: trace_fixture_gen OUTDIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::unique_ptr<BlktraceWriter> w;

  BlktraceWriterOptions two;
  two.cpus = 2;
  CHECK_OK(BlktraceWriter::Create(dir + "/twocpu", two, &w));
  WriteTwoCpuWorkload(w.get(), false);
  CHECK_OK(w->Close());

  BlktraceWriterOptions be;
  be.byte_order = ByteOrder::kBig;
  CHECK_OK(BlktraceWriter::Create(dir + "/bigendian", be, &w));
  WriteTwoCpuWorkload(w.get(), true);
  CHECK_OK(w->Close());

  BlktraceWriterOptions v8;
  v8.version = kVersion8;
  v8.device = MakeDevice(259, 1);
  CHECK_OK(BlktraceWriter::Create(dir + "/zoned_v8", v8, &w));
  WriteZonedV8(w.get());
  CHECK_OK(w->Close());

  // Records saying cpu 0 inside the file of cpu 1 (as sample.blktrace.0 in
  // reverse): readable, with a warning.
  BlktraceWriterOptions mm;
  mm.cpus = 2;
  CHECK_OK(BlktraceWriter::Create(dir + "/mismatch", mm, &w));
  for (uint32_t i = 0; i < 3; ++i) {
    Record r;
    r.sequence = i + 1;
    r.time = 1000 * (i + 1);
    r.sector = 8 * i;
    r.bytes = 4096;
    r.pid = 42;
    r.cpu = 0;
    r.device = mm.device;
    r.action = CategoryBits(kTcQueue | kTcWrite) | kActQueue;
    CHECK_OK(w->WriteRecordToFile(1, r));
  }
  CHECK_OK(w->Close());
  std::remove((dir + "/mismatch.blktrace.0").c_str());  // only the .1 file is the fixture

  const std::string cpu0 = ReadFile(dir + "/twocpu.blktrace.0");
  WriteFile(dir + "/truncated.blktrace.0", cpu0.substr(0, cpu0.size() - (kRecordSizeV7 - 20)));
  // Record 3 of twocpu.blktrace.0 starts after the 16-byte-payload notify
  // record and two plain records.
  std::string bad = cpu0;
  const size_t rec3 = (kRecordSizeV7 + 16) + kRecordSizeV7 + kRecordSizeV7;
  std::memcpy(bad.data() + rec3, "JUNK", 4);
  WriteFile(dir + "/badmagic.blktrace.0", bad);

  // The v8 fixture's I/Os as a script (zones of 1 MiB, an 8 MiB device).
  std::unique_ptr<IoEventFilter> reader;
  CHECK_OK(OpenIoTrace({dir + "/zoned_v8.blktrace.0"}, {}, IoStage::kQueue, &reader));
  ScriptWriterOptions so;
  so.zone_size = 1 * MiB;
  so.device_size = 8 * MiB;
  so.comment = "zoned_v8.blktrace.0 queue events (trace_fixture_gen)";
  std::unique_ptr<ScriptWriter> sw;
  CHECK_OK(ScriptWriter::Create(dir + "/zoned_v8.script", so, &sw));
  for (;;) {
    TraceEvent ev;
    bool eof = false;
    CHECK_OK(reader->Next(&ev, &eof));
    if (eof) break;
    CHECK_OK(sw->Write(ev.op));
  }
  CHECK_OK(sw->Close());
  return 0;
}
