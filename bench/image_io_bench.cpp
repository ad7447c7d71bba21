// Sections 1 and 2: sequential writes, zone appends and reads through
// ZonedImage (zone semantics on a zoned qcow2 image) against the two things a
// user would use instead: a raw file written with pwrite(2), and QEMU's own
// qcow2 driver (`qemu-img bench`) on a plain qcow2 image of the same size,
// with the same request size and count.
//
// Fairness: every variant goes through the page cache and none syncs unless
// asked (qemu-img bench -t writeback is exactly that: no O_DIRECT, flushes
// only on request; -t none would bypass the page cache that zonesim's Env
// and the raw anchor use). Depth 1: ZonedImage is synchronous. qemu-img's
// default AIO backend for writeback (a thread pool) is what a user gets.
// Data is a 0x5a pattern everywhere (qemu-img bench writes zeros unless
// --pattern is given). Only the request loop is timed: qemu-img bench reports
// that time itself ("Run completed in"), zonesim's and the raw file's loops are
// timed around the loop; creating, opening and closing the files is not timed.
// Every write case starts from a fresh file; the read cases read back files
// written once per program run (page cache hot for all three).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/child_process.h"
#include "bench/harness.h"
#include "common/env.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/zoned/zoned_image.h"
#include "sim/devices/image_setup.h"

namespace zonesim::bench {
namespace {

constexpr uint64_t kImageSize = 1ull << 30;
constexpr uint64_t kZoneSize = 64ull << 20;
constexpr uint32_t kFlushEvery = 64;
constexpr uint8_t kPattern = 0x5a;
constexpr uint64_t kSizes[] = {4096, 65536, 131072};

DeviceConfig ImageDevice() {
  DeviceConfig c;
  c.params = profile_params(Profile::kZns);
  c.block_size = 512;
  c.size = kImageSize;
  c.zone_size = kZoneSize;
  c.zone_capacity = kZoneSize;
  c.max_open_zones = 14;
  c.max_active_zones = 14;
  c.max_append_bytes = 128 << 10;  // a typical ZASL; covers every request size here
  return c;
}

// Requests per case: 256 MiB of the 1 GiB image for 64 and 128 KiB, 64 MiB
// for 4 KiB (qemu-img needs ~100 us per 4 KiB request); with a flush every 64
// requests at most 2048 requests (32 flushes), since each flush waits for the
// disk. Many short passes give steadier medians on a shared machine than a
// few long ones. --quick: 16 to 64 MiB, at most 512 requests with flushes.
uint64_t Count(uint64_t size, bool quick, bool flushes = false) {
  const uint64_t bytes = quick ? (size == 4096 ? 16ull << 20 : 64ull << 20) : (size == 4096 ? 64ull << 20 : 256ull << 20);
  const uint64_t n = bytes / size;
  const uint64_t cap = quick ? 512 : 2048;
  return flushes && n > cap ? cap : n;
}

std::string SizeName(uint64_t size) { return std::to_string(size >> 10) + "KiB"; }

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void SetMiB(benchmark::State& state, uint64_t bytes_per_iteration) {
  SetWork(state, static_cast<double>(bytes_per_iteration) * static_cast<double>(state.iterations()) / (1 << 20));
}

// A directory for this program's files, removed at exit.
const std::string& Dir() {
  static TempDir dir;
  if (!dir.ok()) Die("cannot create a directory under " + TempRoot());
  return dir.path();
}

// Before each write case (not timed): write back whatever is dirty on the
// file system, so every case starts from the same clean page cache instead
// of paying for the previous case's (or another process's) writeback.
void SyncFileSystem() {
  const int fd = open(Dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || syncfs(fd) != 0) Die("syncfs failed on " + Dir());
  close(fd);
}

// Also before each write case (not timed): fault in and free as much memory as
// the case will put in the page cache. This machine's virtio balloon reports
// free pages to the host, which takes them back; the first case to allocate
// them again after a pause (a syncfs, a qemu-img run) paid for the host
// faults, several times its own cost. Freshly freed pages are not reported yet.
void PrefaultMemory(uint64_t bytes) {
  void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return;  // only a measurement aid
  for (uint64_t off = 0; off < bytes; off += 4096) static_cast<volatile uint8_t*>(m)[off] = 1;
  munmap(m, bytes);
}

// Both, right before the timed loop of a write case.
void PrepareWriteCase(uint64_t bytes) {
  SyncFileSystem();
  PrefaultMemory(bytes);
}

// ---- zonesim ---------------------------------------------------------------

enum class Mode { kWrite, kAppend };

std::unique_ptr<ZonedImage> FreshZonedImage(const std::string& path) {
  const DeviceConfig c = ImageDevice();
  Status s = CreateZonedImage(Env::Default(), path, c, 65536, ZonedLayout::kLatest, /*overwrite=*/true);
  std::unique_ptr<ZonedImage> zi;
  if (s.ok()) s = ZonedImage::Open(Env::Default(), path, c.params, &zi);
  if (!s.ok()) Die(s.ToString());
  return zi;
}

void ZonedWrite(benchmark::State& state, Mode mode, uint64_t size, uint64_t count, uint32_t flush_every) {
  const std::string path = Dir() + "/zoned-write.qcow2";
  std::vector<uint8_t> buf(size, kPattern);
  double cpu = 0;
  for (auto _ : state) {
    std::unique_ptr<ZonedImage> zi = FreshZonedImage(path);
    PrepareWriteCase(size * count);
    const double c0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    uint64_t off = 0;
    for (uint64_t i = 0; i < count; ++i, off += size) {
      uint64_t at = 0;
      ZoneStatus st = mode == Mode::kWrite ? zi->Write(off, size, buf.data())
                                           : zi->Append(off / kZoneSize * kZoneSize, size, buf.data(), &at);
      if (st == ZoneStatus::kOk && flush_every != 0 && (i + 1) % flush_every == 0) st = zi->Flush();
      if (st != ZoneStatus::kOk) {
        state.SkipWithError((std::string(status_id(st)) + " at offset " + std::to_string(off)).c_str());
        return;
      }
    }
    state.SetIterationTime(Seconds(t0));
    cpu += ThreadCpuSeconds() - c0;
    Status s = zi->Close();
    if (!s.ok()) Die(s.ToString());
    zi.reset();
    unlink(path.c_str());
  }
  SetMiB(state, size * count);
  state.counters["cpu_seconds"] = cpu;
}

// The storage layer alone (Qcow2Image, no zone rules), to see what the zone
// layer adds on top of it.
void Qcow2Write(benchmark::State& state, uint64_t size, uint64_t count) {
  const std::string path = Dir() + "/plain-write.qcow2";
  std::vector<uint8_t> buf(size, kPattern);
  for (auto _ : state) {
    Qcow2CreateOptions o;
    o.virtual_size = kImageSize;
    Status s = Qcow2Image::Create(Env::Default(), path, o, /*overwrite=*/true);
    std::unique_ptr<Qcow2Image> img;
    if (s.ok()) s = Qcow2Image::Open(Env::Default(), path, false, &img);
    if (!s.ok()) Die(s.ToString());
    // As the zone layer runs it (ZonedImage sets write-back): the entries
    // publishing new clusters wait for the next flush. Write-through, the
    // default of a bare Qcow2Image, pays one fdatasync per allocating write.
    img->SetWriteBack(true);
    PrepareWriteCase(size * count);
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count && s.ok(); ++i) s = img->Write(i * size, size, buf.data());
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    state.SetIterationTime(Seconds(t0));
    img.reset();
    unlink(path.c_str());
  }
  SetMiB(state, size * count);
}

// ---- raw file ---------------------------------------------------------------

void RawWrite(benchmark::State& state, uint64_t size, uint64_t count, uint32_t flush_every) {
  const std::string path = Dir() + "/write.raw";
  std::vector<uint8_t> buf(size, kPattern);
  double cpu = 0;
  for (auto _ : state) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) Die("cannot create " + path);
    PrepareWriteCase(size * count);
    const double c0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count; ++i) {
      if (pwrite(fd, buf.data(), size, static_cast<off_t>(i * size)) != static_cast<ssize_t>(size))
        Die("pwrite failed on " + path);
      if (flush_every != 0 && (i + 1) % flush_every == 0 && fdatasync(fd) != 0) Die("fdatasync failed");
    }
    state.SetIterationTime(Seconds(t0));
    cpu += ThreadCpuSeconds() - c0;
    close(fd);
    unlink(path.c_str());
  }
  SetMiB(state, size * count);
  state.counters["cpu_seconds"] = cpu;
}

// ---- qemu-img bench -----------------------------------------------------------

// "Run completed in 2.321 seconds." -> 2.321
bool QemuSeconds(const std::string& out, double* seconds) {
  const std::string key = "Run completed in ";
  const size_t at = out.find(key);
  if (at == std::string::npos) return false;
  return std::sscanf(out.c_str() + at + key.size(), "%lf", seconds) == 1 && *seconds >= 0;
}

bool QemuCreate(const std::string& path, std::string* error) {
  ChildResult r;
  return RunChild({"qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=65536", path,
                   std::to_string(kImageSize)},
                  &r, error);
}

// One `qemu-img bench` run; false with *error on failure.
bool QemuBench(const std::string& path, bool write, uint64_t size, uint64_t count, uint32_t flush_every,
               double* seconds, std::string* error) {
  std::vector<std::string> argv = {"qemu-img", "bench", "-f", "qcow2", "-t", "writeback", "-d", "1",
                                   "-c", std::to_string(count), "-s", std::to_string(size)};
  if (write) {
    argv.push_back("-w");
    argv.push_back("--pattern=" + std::to_string(kPattern));
    if (flush_every != 0) argv.push_back("--flush-interval=" + std::to_string(flush_every));
  }
  argv.push_back(path);
  ChildResult r;
  if (!RunChild(argv, &r, error)) return false;
  if (!QemuSeconds(r.output, seconds)) {
    *error = "cannot find the run time in qemu-img bench's output";
    return false;
  }
  return true;
}

void QemuWrite(benchmark::State& state, uint64_t size, uint64_t count, uint32_t flush_every) {
  if (!ProgramAvailable("qemu-img")) {
    state.SkipWithError("qemu-img is not installed (Debian: qemu-utils)");
    return;
  }
  const std::string path = Dir() + "/qemu-write.qcow2";
  for (auto _ : state) {
    std::string error;
    double seconds = 0;
    if (QemuCreate(path, &error)) PrepareWriteCase(size * count);
    if (!error.empty() || !QemuBench(path, true, size, count, flush_every, &seconds, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.SetIterationTime(seconds);
    unlink(path.c_str());
  }
  SetMiB(state, size * count);
}

// ---- reads: files written once ------------------------------------------------

class ReadFiles {
 public:
  static ReadFiles& Get(bool quick) {
    static ReadFiles files(quick);
    return files;
  }
  std::string zoned() const { return Dir() + "/read.qcow2"; }
  std::string raw() const { return Dir() + "/read.raw"; }
  std::string qemu() const { return Dir() + "/read-qemu.qcow2"; }
  const std::string& qemu_error() const { return qemu_error_; }

 private:
  explicit ReadFiles(bool quick) {
    uint64_t bytes = 0;
    for (uint64_t size : kSizes) bytes = std::max(bytes, size * Count(size, quick));
    constexpr uint64_t kChunk = 1 << 20;
    std::vector<uint8_t> buf(kChunk, kPattern);
    {
      std::unique_ptr<ZonedImage> zi = FreshZonedImage(zoned());
      for (uint64_t off = 0; off < bytes; off += kChunk)
        if (zi->Write(off, kChunk, buf.data()) != ZoneStatus::kOk) Die("cannot write " + zoned());
      Status s = zi->Close();
      if (!s.ok()) Die(s.ToString());
    }
    const int fd = open(raw().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) Die("cannot create " + raw());
    for (uint64_t off = 0; off < bytes; off += kChunk)
      if (pwrite(fd, buf.data(), kChunk, static_cast<off_t>(off)) != static_cast<ssize_t>(kChunk))
        Die("cannot write " + raw());
    // Clean pages, as the other two files are after being closed: dirty
    // gigabytes would throttle the write cases that follow.
    if (fdatasync(fd) != 0) Die("fdatasync failed on " + raw());
    close(fd);
    double unused = 0;
    if (!ProgramAvailable("qemu-img")) qemu_error_ = "qemu-img is not installed (Debian: qemu-utils)";
    else if (QemuCreate(qemu(), &qemu_error_)) QemuBench(qemu(), true, kChunk, bytes / kChunk, 0, &unused, &qemu_error_);
  }
  std::string qemu_error_;
};

void ZonedRead(benchmark::State& state, uint64_t size, uint64_t count, bool quick) {
  const ReadFiles& files = ReadFiles::Get(quick);
  const DeviceConfig c = ImageDevice();
  std::vector<uint8_t> buf(size);
  for (auto _ : state) {
    std::unique_ptr<ZonedImage> zi;
    Status s = ZonedImage::Open(Env::Default(), files.zoned(), c.params, &zi);
    if (!s.ok()) Die(s.ToString());
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count; ++i) {
      if (zi->Read(i * size, size, buf.data()) != ZoneStatus::kOk) {
        state.SkipWithError(zi->last_error().ToString().c_str());
        return;
      }
    }
    state.SetIterationTime(Seconds(t0));
    if (buf[0] != kPattern) Die("read back the wrong data");
  }
  SetMiB(state, size * count);
}

void RawRead(benchmark::State& state, uint64_t size, uint64_t count, bool quick) {
  const ReadFiles& files = ReadFiles::Get(quick);
  std::vector<uint8_t> buf(size);
  for (auto _ : state) {
    const int fd = open(files.raw().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) Die("cannot open " + files.raw());
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count; ++i)
      if (pread(fd, buf.data(), size, static_cast<off_t>(i * size)) != static_cast<ssize_t>(size))
        Die("pread failed on " + files.raw());
    state.SetIterationTime(Seconds(t0));
    close(fd);
  }
  SetMiB(state, size * count);
}

void QemuRead(benchmark::State& state, uint64_t size, uint64_t count, bool quick) {
  const ReadFiles& files = ReadFiles::Get(quick);
  if (!files.qemu_error().empty()) {
    state.SkipWithError(files.qemu_error().c_str());
    return;
  }
  for (auto _ : state) {
    std::string error;
    double seconds = 0;
    if (!QemuBench(files.qemu(), false, size, count, 0, &seconds, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.SetIterationTime(seconds);
  }
  SetMiB(state, size * count);
}

void OncePerPass(benchmark::internal::Benchmark* b) {
  b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

void DefineSuite(Suite* suite) {
  const bool quick = suite->options().quick;
  suite->SetDefaultRepetitions(quick ? 3 : 9);
  Section writes;
  writes.id = "1";
  writes.title = "Image writes: sequential, depth 1, 1 GiB image (zonesim: 64 MiB zones, ZNS profile)";
  writes.unit = "MiB/s";
  writes.anchor_names = {"raw file pwrite", "qemu-img bench (plain qcow2)"};
  Section reads;
  reads.id = "2";
  reads.title = "Image reads of written zones: sequential, depth 1, page cache hot";
  reads.unit = "MiB/s";
  reads.anchor_names = {"raw file pread", "qemu-img bench (plain qcow2)"};

  std::vector<Row> cpu_rows;
  for (uint64_t size : kSizes) {
    const std::string sz = SizeName(size);
    const std::string human = std::to_string(size >> 10) + " KiB";
    for (uint32_t flush : {0u, kFlushEvery}) {
      const uint64_t count = Count(size, quick, flush != 0);
      const std::string suffix = flush ? "_flush" + std::to_string(flush) : "";
      const std::string raw = "raw_pwrite_" + sz + suffix, qemu = "qemu_img_write_" + sz + suffix;
      suite->Add(raw, [=](benchmark::State& s) { RawWrite(s, size, count, flush); }, OncePerPass);
      suite->Add(qemu, [=](benchmark::State& s) { QemuWrite(s, size, count, flush); }, OncePerPass);
      for (Mode mode : {Mode::kWrite, Mode::kAppend}) {
        const std::string what = mode == Mode::kWrite ? "write" : "append";
        const std::string ours = "zoned_" + what + "_" + sz + suffix;
        suite->Add(ours, [=](benchmark::State& s) { ZonedWrite(s, mode, size, count, flush); }, OncePerPass);
        Row row;
        row.label = "zone " + what + " " + human + (flush ? ", flush every " + std::to_string(flush) : "");
        row.ours = ours;
        row.anchors = {raw, qemu};
        // The bar: within 10% of the raw file for 128 KiB writes, and
        // at least qemu-img's rate for every request size. Not on the flush
        // rows: those measure the disk's sync latency (see the notes).
        if (flush == 0) row.goals = {size == 131072 ? 0.90 : 0.0, 1.0};
        writes.rows.push_back(row);
      }
      if (flush == 0) {
        // The same runs by CPU time of the request loop (user + system: the
        // page-cache copy happens in the writing thread): on a shared machine
        // steadier than wall-clock time, and it shows the true per-request
        // overhead over the raw file.
        Row cpu_row;
        cpu_row.label = "zone write " + human + ", CPU time of the loop";
        cpu_row.ours = "zoned_write_" + sz;
        cpu_row.anchors = {raw};
        cpu_row.metric = "cpu_rate";
        cpu_rows.push_back(cpu_row);
        const std::string plain = "qcow2_write_" + sz;
        suite->Add(plain, [=](benchmark::State& s) { Qcow2Write(s, size, count); }, OncePerPass);
        Row row;
        row.label = "qcow2 storage alone (no zones), write " + human;
        row.ours = plain;
        row.anchors = {raw, qemu};
        writes.rows.push_back(row);
      }
    }
    const uint64_t count = Count(size, quick);
    const std::string ours = "zoned_read_" + sz, raw = "raw_pread_" + sz, qemu = "qemu_img_read_" + sz;
    suite->Add(ours, [=](benchmark::State& s) { ZonedRead(s, size, count, quick); }, OncePerPass);
    suite->Add(raw, [=](benchmark::State& s) { RawRead(s, size, count, quick); }, OncePerPass);
    suite->Add(qemu, [=](benchmark::State& s) { QemuRead(s, size, count, quick); }, OncePerPass);
    Row row;
    row.label = "zone read " + human;
    row.ours = ours;
    row.anchors = {raw, qemu};
    reads.rows.push_back(row);
  }
  writes.rows.insert(writes.rows.end(), cpu_rows.begin(), cpu_rows.end());
  auto counts = [&](bool flushes) {
    return std::to_string(Count(4096, quick, flushes)) + " x 4 KiB, " + std::to_string(Count(65536, quick, flushes)) +
           " x 64 KiB, " + std::to_string(Count(131072, quick, flushes)) + " x 128 KiB";
  };
  writes.notes = {
      "Requests per case: " + counts(false) + "; with a flush every 64: " + counts(true) + ".",
      "qemu-img: `qemu-img bench -w -f qcow2 -t writeback -d 1 -c COUNT -s SIZE --pattern=90 "
      "[--flush-interval=64]` on a fresh `qemu-img create -f qcow2 -o cluster_size=65536` image of 1 GiB; "
      "its own reported run time. -t writeback because zonesim and the raw anchor go through the page "
      "cache too and sync only when flushed (-t none would be O_DIRECT).",
      "Flush every 64: ZonedImage::Flush (data, then the write-pointer entries, each made durable with "
      "fdatasync), fdatasync for the raw file, --flush-interval=64 for qemu-img.",
      "Timed: the request loop only (creating and opening files is not), each case on a fresh file. Before "
      "each write case, untimed: syncfs (every case starts with a clean page cache) and faulting in as much "
      "memory as the case writes (this VM's balloon hands free pages back to the host; without it whichever "
      "case came first after a pause paid several times its cost in host page faults).",
      "With a flush every 64 requests both qcow2 writers make two fdatasyncs per flush (zonesim: data and "
      "metadata, then the write-pointer entries; qemu-img: two as well, per strace) and the raw file one: the "
      "flush rows measure this disk's sync latency more than either program, so they carry no goal."};
  reads.notes = {"Requests per case: " + counts(false) + ".",
                 "The files read were written once per program run (zonesim: a zoned image through "
                 "ZonedImage; qemu-img: `qemu-img bench -w` with 1 MiB requests); "
                 "`qemu-img bench -f qcow2 -t writeback -d 1 -c COUNT -s SIZE`."};
  suite->AddSection(writes);
  suite->AddSection(reads);
}

}  // namespace zonesim::bench
