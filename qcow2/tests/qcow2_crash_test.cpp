// Crash safety of the storage layer, with FaultInjectionEnv:
// - the order of writes for an allocating write (refcount, then data or L2
//   contents, then the entry that publishes them);
// - a crash after any number of completed writes leaves an image whose
//   refcounts cover every reference (at worst leaks: what `qemu-img check`
//   calls a leak, never a corruption), and every cluster of an interrupted
//   write reads as all-old or all-new;
// - losing everything after the last Flush gives back exactly the flushed state;
// - refcount table growth survives a crash at each of its steps.
#include <doctest/doctest.h>

#include <cstring>
#include <map>

#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/tests/qcow2_test_util.h"

namespace zonesim {
namespace {

using namespace qcow2test;
using qcow2::LoadBE16;
using qcow2::LoadBE32;
using qcow2::LoadBE64;
using Bytes = std::vector<uint8_t>;

// Recomputes every cluster's reference count from the image's metadata and
// compares it with the stored refcounts (any refcount_order). Returns the first cluster
// whose stored refcount is below its references ("corruption"), or an empty
// string; counts leaks in *leaks.
std::string RefcountProblems(const Bytes& f, uint64_t* leaks = nullptr) {
  const uint32_t bits = LoadBE32(f.data() + 20);
  const uint64_t cs = 1ull << bits;
  const uint64_t nclusters = (f.size() + cs - 1) / cs;
  std::map<uint64_t, uint64_t> refs;
  auto ref = [&](uint64_t off, uint64_t len) {
    for (uint64_t c = off / cs; c <= (off + len - 1) / cs; ++c) ++refs[c];
  };
  ref(0, cs);
  const uint64_t l1_off = LoadBE64(f.data() + 40);
  const uint32_t l1_size = LoadBE32(f.data() + 36);
  const uint64_t rt_off = LoadBE64(f.data() + 48);
  const uint32_t rt_clusters = LoadBE32(f.data() + 56);
  ref(l1_off, uint64_t{l1_size} * 8);
  ref(rt_off, uint64_t{rt_clusters} * cs);
  std::vector<uint64_t> blocks;
  for (uint64_t i = 0; i < uint64_t{rt_clusters} * cs / 8; ++i) {
    const uint64_t b = LoadBE64(f.data() + rt_off + i * 8);
    blocks.push_back(b);
    if (b) ref(b, cs);
  }
  for (uint32_t i = 0; i < l1_size; ++i) {
    const uint64_t l2 = LoadBE64(f.data() + l1_off + i * 8) & qcow2::kOffsetMask;
    if (!l2) continue;
    ref(l2, cs);
    for (uint64_t j = 0; j < cs / 8; ++j) {
      const uint64_t e = LoadBE64(f.data() + l2 + j * 8);
      if (e & qcow2::kOflagCompressed) {
        auto d = qcow2::DecodeCompressed(e, bits);
        ref(d.range_begin(), d.range_end() - d.range_begin());
      } else if (e & qcow2::kOffsetMask) {
        ref(e & qcow2::kOffsetMask, cs);
      }
    }
  }
  if (LoadBE64(f.data() + 72) & qcow2::kIncompatZoned) {
    size_t off = LoadBE32(f.data() + 100);
    while (LoadBE32(f.data() + off) != 0) {
      const uint32_t t = LoadBE32(f.data() + off), l = LoadBE32(f.data() + off + 4);
      if (t == qcow2::kExtZoned) ref(LoadBE64(f.data() + off + 8 + 48), LoadBE64(f.data() + off + 8 + 40));
      off += 8 + ((l + 7) & ~7u);
    }
  }
  const uint32_t order = LoadBE32(f.data() + 96);
  const uint64_t per_block = cs * 8 >> order;
  uint64_t leaked = 0;
  for (uint64_t c = 0; c < std::max<uint64_t>(nclusters, refs.empty() ? 0 : refs.rbegin()->first + 1); ++c) {
    const uint64_t bi = c / per_block;
    uint64_t stored = 0;
    if (bi < blocks.size() && blocks[bi] && blocks[bi] + cs <= f.size()) {
      stored = qcow2::GetRefcountEntry(f.data() + blocks[bi], c % per_block, order);
    }
    const uint64_t used = refs.count(c) ? refs[c] : 0;
    if (stored < used) {
      return "cluster " + std::to_string(c) + " has refcount " + std::to_string(stored) + " but " +
             std::to_string(used) + " references";
    }
    if (stored > used) ++leaked;
  }
  if (leaks) *leaks = leaked;
  return "";
}

TEST_CASE("the consistency checker itself sees corruption and leaks") {
  MemEnv env;
  REQUIRE(Qcow2Image::Create(&env, "i", ZonedOptions(4 << 20, 1 << 20, 4096), false).ok());
  {
    auto img = OpenOrFail(&env, "i");
    Bytes d(8192, 1);
    REQUIRE(img->Write(0, d.size(), d.data()).ok());
  }
  Bytes f = env.Contents("i");
  uint64_t leaks = 99;
  CHECK(RefcountProblems(f, &leaks).empty());
  CHECK(leaks == 0);
  const uint64_t block = LoadBE64(f.data() + LoadBE64(f.data() + 48));
  const uint64_t l2 = LoadBE64(f.data() + LoadBE64(f.data() + 40)) & qcow2::kOffsetMask;
  const uint64_t data = LoadBE64(f.data() + l2) & qcow2::kOffsetMask;
  Bytes bad = f;
  qcow2::StoreBE16(bad.data() + block + (data / 4096) * 2, 0);
  CHECK_FALSE(RefcountProblems(bad).empty());
  Bytes leaky = f;
  qcow2::StoreBE64(leaky.data() + l2, 0);
  CHECK(RefcountProblems(leaky, &leaks).empty());
  CHECK(leaks == 1);
}

TEST_CASE("an allocating write: refcounts, then contents, then the entry that publishes them") {
  MemEnv base;
  REQUIRE(Qcow2Image::Create(&base, "o", PlainOptions(8 << 20, 4096), false).ok());
  FaultInjectionEnv env(&base);
  auto img = OpenOrFail(&env, "o");
  const Bytes f0 = base.Contents("o");
  const uint64_t l1 = LoadBE64(f0.data() + 40);
  const uint64_t block = LoadBE64(f0.data() + LoadBE64(f0.data() + 48));
  env.SetRecording(true);
  Bytes d(3 * 4096, 0x42);
  REQUIRE(img->Write(4096, d.size(), d.data()).ok());
  auto rec = env.TakeRecord();
  const Bytes f = base.Contents("o");
  const uint64_t l2 = LoadBE64(f.data() + l1) & qcow2::kOffsetMask;
  const uint64_t host = LoadBE64(f.data() + l2 + 8) & qcow2::kOffsetMask;
  auto index_of = [&](auto pred) {
    for (size_t i = 0; i < rec.size(); ++i) {
      if (pred(rec[i])) return static_cast<int>(i);
    }
    return -1;
  };
  auto in = [](const FaultInjectionEnv::Op& op, uint64_t b, uint64_t len) {
    return op.kind == FaultInjectionEnv::Op::Kind::kWrite && op.offset >= b && op.offset < b + len;
  };
  const int l2_refcount = index_of([&](auto& op) { return in(op, block + (l2 / 4096) * 2, 2); });
  const int l2_contents = index_of([&](auto& op) { return in(op, l2, 4096) && op.length == 4096; });
  const int l1_entry = index_of([&](auto& op) { return in(op, l1, 8); });
  const int data_refcount = index_of([&](auto& op) { return in(op, block + (host / 4096) * 2, 6); });
  const int data = index_of([&](auto& op) { return in(op, host, 3 * 4096); });
  const int l2_entries = index_of([&](auto& op) { return in(op, l2 + 8, 24) && op.length == 24; });
  REQUIRE(l2_refcount >= 0);
  REQUIRE(l2_contents >= 0);
  REQUIRE(l1_entry >= 0);
  REQUIRE(data_refcount >= 0);
  REQUIRE(data >= 0);
  REQUIRE(l2_entries >= 0);
  const int barrier = index_of([&](auto& op) { return op.kind == FaultInjectionEnv::Op::Kind::kFlush; });
  REQUIRE(barrier >= 0);
  CHECK(l2_refcount < l2_contents);
  CHECK(data_refcount < data);
  // One barrier for the request: every refcount and content before it, every
  // entry that publishes them after it (a disk may reorder writes between flushes).
  CHECK(l2_contents < barrier);
  CHECK(data < barrier);
  CHECK(barrier < l1_entry);
  CHECK(barrier < l2_entries);
  // Coalesced: three contiguous clusters, one data write, one refcount write, one L2 write.
  CHECK(rec[static_cast<size_t>(data)].length == 3 * 4096);
  CHECK(rec.size() == 7);
  // A rewrite in place touches only the data.
  REQUIRE(img->Write(4096 + 100, 50, d.data()).ok());
  rec = env.TakeRecord();
  REQUIRE(rec.size() == 1);
  CHECK(rec[0].offset == host + 100);
}

// The workload for crash tests: writes over fresh and allocated clusters,
// partial clusters, discards, and write-pointer updates. Returns the first error.
Status Workload(Qcow2Image& img) {
  const uint64_t cs = 4096;
  for (int i = 0; i < 6; ++i) {
    Bytes d(5 * cs, static_cast<uint8_t>(0x10 + i));
    Status s = img.Write(uint64_t(i) * 7 * cs, d.size(), d.data());
    if (!s.ok()) return s;
  }
  Status s = img.Discard(2 * cs, 10 * cs);
  if (!s.ok()) return s;
  Bytes d(3 * cs + 100, 0x77);
  s = img.Write(cs * 3 + 50, d.size(), d.data());
  if (!s.ok()) return s;
  s = img.WriteWritePointer(1, (1 << 20) + 8192);
  if (!s.ok()) return s;
  Bytes e(20 * cs, 0x88);
  return img.Write(3 << 20, e.size(), e.data());
}

TEST_CASE("a crash after any number of completed writes leaves no corruption") {
  MemEnv pristine;
  REQUIRE(Qcow2Image::Create(&pristine, "c", ZonedOptions(4 << 20, 1 << 20, 4096, 1), false).ok());
  const Bytes start = pristine.Contents("c");
  // The full workload's result, and how many writes it takes.
  Bytes final_data;
  uint64_t total_writes = 0;
  {
    MemEnv base;
    base.SetContents("c", start);
    FaultInjectionEnv env(&base);
    auto img = OpenOrFail(&env, "c");
    REQUIRE(Workload(*img).ok());
    total_writes = env.write_count();
    final_data.resize(img->virtual_size());
    REQUIRE(img->Read(0, final_data.size(), final_data.data()).ok());
  }
  REQUIRE(total_writes > 20);
  for (uint64_t n = 1; n <= total_writes; ++n) {
    CAPTURE(n);
    MemEnv base;
    base.SetContents("c", start);
    {
      FaultInjectionEnv env(&base);
      auto img = OpenOrFail(&env, "c");
      env.FailNthWrite(n, /*sticky=*/true);  // the device dies before write n
      CHECK_FALSE(Workload(*img).ok());
    }
    // Every completed write persisted (the strictest ordering test).
    const Bytes after = base.Contents("c");
    uint64_t leaks = 0;
    const std::string problem = RefcountProblems(after, &leaks);
    CHECK_MESSAGE(problem.empty(), problem);
    std::unique_ptr<Qcow2Image> img;
    Status s = Qcow2Image::Open(&base, "c", false, &img);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    Bytes got(img->virtual_size());
    REQUIRE(img->Read(0, got.size(), got.data()).ok());
    // Each cluster holds a state some prefix of the workload produced: here
    // simply, never bytes that no operation wrote.
    bool only_written_bytes = true;
    for (size_t i = 0; i < got.size(); i += 509) {
      const uint8_t b = got[i];
      only_written_bytes &= b == 0 || (b >= 0x10 && b <= 0x15) || b == 0x77 || b == 0x88;
    }
    CHECK(only_written_bytes);
    // The image stays usable: the rest of the workload runs to the same result
    // (leaked clusters are merely unused).
    REQUIRE(Workload(*img).ok());
    REQUIRE(img->Read(0, got.size(), got.data()).ok());
    CHECK(got == final_data);
  }
}

TEST_CASE("a single failed write leaves the open image usable and consistent") {
  MemEnv pristine;
  REQUIRE(Qcow2Image::Create(&pristine, "c", ZonedOptions(4 << 20, 1 << 20, 4096, 1), false).ok());
  const Bytes start = pristine.Contents("c");
  uint64_t total_writes = 0;
  {
    MemEnv base;
    base.SetContents("c", start);
    FaultInjectionEnv env(&base);
    auto img = OpenOrFail(&env, "c");
    REQUIRE(Workload(*img).ok());
    total_writes = env.write_count();
  }
  for (uint64_t n = 1; n <= total_writes; ++n) {
    CAPTURE(n);
    MemEnv base;
    base.SetContents("c", start);
    FaultInjectionEnv env(&base);
    auto img = OpenOrFail(&env, "c");
    env.FailNthWrite(n);  // one write fails, the device keeps working
    CHECK_FALSE(Workload(*img).ok());
    // The same handle goes on: what it writes now reads back, now and after reopening.
    Bytes d = Pattern(n, 9 * 4096 + 123);
    REQUIRE(img->Write(2 * 4096 + 7, d.size(), d.data()).ok());
    Bytes got(d.size());
    REQUIRE(img->Read(2 * 4096 + 7, got.size(), got.data()).ok());
    CHECK(got == d);
    img.reset();
    const std::string problem = RefcountProblems(base.Contents("c"));
    CHECK_MESSAGE(problem.empty(), problem);
    auto again = OpenOrFail(&base, "c");
    REQUIRE(again->Read(2 * 4096 + 7, got.size(), got.data()).ok());
    CHECK(got == d);
  }
}

TEST_CASE("a power loss drops what was not flushed: the image is as of the last Flush") {
  MemEnv base;
  REQUIRE(Qcow2Image::Create(&base, "p", ZonedOptions(4 << 20, 1 << 20, 4096), false).ok());
  FaultInjectionEnv env(&base);
  Bytes flushed;
  std::vector<uint64_t> flushed_wps;
  {
    auto img = OpenOrFail(&env, "p");
    Bytes d(50000, 0x5a);
    REQUIRE(img->Write(1000, d.size(), d.data()).ok());
    REQUIRE(img->WriteWritePointer(2, (2 << 20) + 4096).ok());
    REQUIRE(img->Flush().ok());
    flushed.resize(img->virtual_size());
    REQUIRE(img->Read(0, flushed.size(), flushed.data()).ok());
    REQUIRE(img->ReadWritePointers(&flushed_wps).ok());
    // Rewrites in place and a write-pointer entry: nothing here needs a
    // barrier (allocating writes and discards flush inside, see the test above).
    Bytes e(30000, 0xa5);
    REQUIRE(img->Write(2000, e.size(), e.data()).ok());
    REQUIRE(img->WriteWritePointer(3, (3 << 20) + 512).ok());
    CHECK(env.HasUnsyncedWrites("p"));
  }
  REQUIRE(env.DropUnsyncedWrites().ok());
  auto img = OpenOrFail(&base, "p");
  Bytes got(img->virtual_size());
  REQUIRE(img->Read(0, got.size(), got.data()).ok());
  CHECK(got == flushed);
  std::vector<uint64_t> wps;
  REQUIRE(img->ReadWritePointers(&wps).ok());
  CHECK(wps == flushed_wps);
  CHECK(RefcountProblems(base.Contents("p")).empty());
}

TEST_CASE("refcount table growth survives a crash at each step") {
  RequireQemu();
  testing::TestDir dir;
  // QEMU sizes the refcount table to one cluster: with 512-byte clusters and
  // 64-bit refcounts it covers 64 blocks of 64 clusters (2 MiB), so writing
  // 3 MiB grows the table (and exercises a refcount width other than 16).
  const std::string q = dir.File("g.qcow2");
  std::string out;
  REQUIRE(Run("qemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=64 " + Quote(q) + " 16M", &out) == 0);
  const Bytes start = ReadAll(q);
  auto workload = [](Qcow2Image& img) {
    Bytes d(256 << 10, 0x6b);
    for (uint64_t off = 0; off < (3u << 20); off += d.size()) {
      Status s = img.Write(off, d.size(), d.data());
      if (!s.ok()) return s;
    }
    return Status::Ok();
  };
  // Find where the header is rewritten (the table switch) in the full run.
  uint64_t switch_at = 0, total = 0;
  {
    MemEnv base;
    base.SetContents("g", start);
    FaultInjectionEnv env(&base);
    auto img = OpenOrFail(&env, "g");
    env.SetRecording(true);
    REQUIRE(workload(*img).ok());
    auto rec = env.TakeRecord();
    uint64_t writes = 0;
    for (const auto& op : rec) {
      if (op.kind != FaultInjectionEnv::Op::Kind::kWrite) continue;
      ++writes;
      if (op.offset == qcow2::kRefcountTableOffsetField) switch_at = writes;
    }
    total = writes;
    const Bytes f = base.Contents("g");
    CHECK(LoadBE32(f.data() + 56) > 1);  // the table did grow
    CHECK(RefcountProblems(f).empty());
    WriteAll(dir.File("grown.qcow2"), f);
    int rc = Run("qemu-img check " + Quote(dir.File("grown.qcow2")), &out);
    CHECK_MESSAGE(rc == 0, out);
  }
  REQUIRE(switch_at > 10);
  for (uint64_t n = switch_at - 6; n <= std::min(total, switch_at + 6); ++n) {
    CAPTURE(n);
    MemEnv base;
    base.SetContents("g", start);
    {
      FaultInjectionEnv env(&base);
      auto img = OpenOrFail(&env, "g");
      env.FailNthWrite(n, true);
      CHECK_FALSE(workload(*img).ok());
    }
    const Bytes f = base.Contents("g");
    const std::string problem = RefcountProblems(f);
    CHECK_MESSAGE(problem.empty(), problem);
    auto img = OpenOrFail(&base, "g");
    REQUIRE(workload(*img).ok());
    CHECK(RefcountProblems(base.Contents("g")).empty());
  }
}

}  // namespace
}  // namespace zonesim
