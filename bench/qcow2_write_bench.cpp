// Sequential 128 KiB writes through Qcow2Image::Write into a fresh 1 GiB
// image, against pwrite(2) of the same pattern to a raw file in the same
// directory ($TMPDIR, default /tmp). The qcow2 layer's target is to stay within
// 10% of the raw rate: per write it adds one refcount update and one L2
// entry update, both small writes to cached pages.
//
//   bench/qcow2_write_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "qcow2/qcow2_image.h"

namespace zonesim {
namespace {

constexpr uint64_t kImageSize = 1ull << 30;
constexpr uint64_t kChunk = 128 << 10;

std::string TempPath(const char* name) {
  const char* base = std::getenv("TMPDIR");
  return std::string(base && *base ? base : "/tmp") + "/zonesim-bench-" + std::to_string(getpid()) + "-" + name;
}

void BM_Qcow2SequentialWrite(benchmark::State& state) {
  const std::string path = TempPath("seq.qcow2");
  std::vector<uint8_t> buf(kChunk, 0x5a);
  for (auto _ : state) {
    state.PauseTiming();
    Qcow2CreateOptions o;
    o.virtual_size = kImageSize;
    Status s = Qcow2Image::Create(Env::Default(), path, o, /*overwrite=*/true);
    std::unique_ptr<Qcow2Image> img;
    if (s.ok()) s = Qcow2Image::Open(Env::Default(), path, false, &img);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    state.ResumeTiming();
    for (uint64_t off = 0; off < kImageSize; off += kChunk) {
      buf[0] = static_cast<uint8_t>(off >> 17);
      s = img->Write(off, kChunk, buf.data());
      if (!s.ok()) break;
    }
    if (state.range(0)) s = img->Flush();
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    state.PauseTiming();
    img.reset();
    unlink(path.c_str());
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kImageSize));
}

void BM_RawSequentialPwrite(benchmark::State& state) {
  const std::string path = TempPath("seq.raw");
  std::vector<uint8_t> buf(kChunk, 0x5a);
  for (auto _ : state) {
    state.PauseTiming();
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      state.SkipWithError("cannot create the raw file");
      break;
    }
    state.ResumeTiming();
    for (uint64_t off = 0; off < kImageSize; off += kChunk) {
      buf[0] = static_cast<uint8_t>(off >> 17);
      if (pwrite(fd, buf.data(), kChunk, static_cast<off_t>(off)) != static_cast<ssize_t>(kChunk)) {
        state.SkipWithError("pwrite failed");
        break;
      }
    }
    if (state.range(0)) fdatasync(fd);
    state.PauseTiming();
    close(fd);
    unlink(path.c_str());
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kImageSize));
}

// Arg 0: page cache only; arg 1: with a final flush (fdatasync).
BENCHMARK(BM_Qcow2SequentialWrite)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK(BM_RawSequentialPwrite)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

}  // namespace
}  // namespace zonesim

BENCHMARK_MAIN();
