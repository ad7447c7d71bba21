// Damaged inputs end in a Status naming the file, never a crash, hang or huge
// allocation: every truncation of a binary fixture, seeded random byte
// changes, and mangled text lines (run under ASan/UBSan in the sanitizer build).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

// Reads the trace to its end; returns the number of events, or -1 on error
// (which must then name the file).
long ReadCount(const std::string& path, TraceFormat format) {
  std::unique_ptr<TraceReader> r;
  TraceOpenOptions o;
  o.format = format;
  o.buffer_bytes = 1 << 16;
  Status s = OpenTrace({path}, o, &r);
  if (!s.ok()) {
    CHECK(s.message().find(path) != std::string::npos);
    return -1;
  }
  long n = 0;
  TraceEvent ev;
  for (;;) {
    bool eof = false;
    s = r->Next(&ev, &eof);
    if (!s.ok()) {
      CHECK(s.IsCorruption());
      CHECK(s.message().find(path + ": ") == 0);
      return -1;
    }
    if (eof) return n;
    REQUIRE(n < 1'000'000);  // a damaged file must not loop forever
    ++n;
  }
}

TEST_CASE("every truncation of a binary trace is either whole records or an error") {
  testing::TestDir t;
  for (const char* name : {"twocpu.blktrace.0", "zoned_v8.blktrace.0"}) {
    const std::string good = ReadFile(Fixture(name));
    const long full = ReadCount(Fixture(name), TraceFormat::kBlktrace);
    REQUIRE(full > 0);
    long whole = 0;
    WriteFile(t.File("cut.bin"), good);
    for (size_t len = good.size(); len-- > 0;) {
      std::filesystem::resize_file(t.File("cut.bin"), len);
      long n = ReadCount(t.File("cut.bin"), TraceFormat::kBlktrace);
      CHECK(n < full);
      if (n >= 0) ++whole;  // cut exactly at a record boundary
    }
    CHECK(whole == full);  // one clean cut per record start (including length 0)
  }
}

TEST_CASE("seeded random byte changes never crash the readers") {
  testing::TestDir t;
  std::mt19937_64 rng(20240611);
  struct Input {
    const char* name;
    TraceFormat format;
  } inputs[] = {
      {"twocpu.blktrace.0", TraceFormat::kBlktrace},     {"zoned_v8.blktrace.0", TraceFormat::kBlktrace},
      {"twocpu.blkparse.txt", TraceFormat::kBlkparseText}, {"fio-zoned.v3.iolog", TraceFormat::kFioIolog},
      {"fio-seq-write.v2.iolog", TraceFormat::kFioIolog}, {"zoned_v8.script", TraceFormat::kScript},
  };
  const char noise[] = {'\0', '\n', ' ', '[', ']', '+', ',', '.', '9', '-', 'Z', '\xff', '\x07', 'e'};
  for (const Input& in : inputs) {
    CAPTURE(in.name);
    const std::string good = ReadFile(Fixture(in.name));
    WriteFile(t.File("bad"), good);
    // Bytes are changed in place and put back (rewriting whole files is
    // slow on some file systems).
    std::fstream f(t.File("bad"), std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f.good());
    auto poke = [&](size_t at, char c) {
      f.seekp(static_cast<std::streamoff>(at));
      f.put(c);
      f.flush();
    };
    for (int round = 0; round < 150; ++round) {
      std::vector<size_t> changed;
      const int changes = 1 + static_cast<int>(rng() % 4);
      for (int c = 0; c < changes; ++c) {
        const size_t at = rng() % good.size();
        poke(at, rng() % 2 ? noise[rng() % sizeof noise] : static_cast<char>(rng()));
        changed.push_back(at);
      }
      ReadCount(t.File("bad"), in.format);
      ReadCount(t.File("bad"), TraceFormat::kAuto);
      for (size_t at : changed) poke(at, good[at]);
    }
  }
}

TEST_CASE("a record claiming the largest payload does not overrun the buffer") {
  testing::TestDir t;
  std::string rec = ReadFile(Fixture("twocpu.blktrace.0")).substr(64, 48);  // a plain record
  rec[46] = '\xff';
  rec[47] = '\xff';  // pdu_len 65535
  WriteFile(t.File("big.bin"), rec + std::string(65535, 'x') + rec);
  std::unique_ptr<TraceReader> r;
  TraceOpenOptions o;
  o.buffer_bytes = 4096;  // raised to the per-file minimum
  REQUIRE(OpenTrace({t.File("big.bin")}, o, &r).ok());
  std::vector<OwnedEvent> ev;
  Status s = ReadAllEvents(r.get(), &ev);
  CHECK(ev.size() == 1);
  CHECK(s.message() == t.File("big.bin") +
                           ": record 1 (byte 65583): truncated: the record's 65535-byte payload has only 0 "
                           "bytes before the end of the file");
}

}  // namespace
}  // namespace zonesim
