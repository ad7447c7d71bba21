#include "traces/trace_open.h"

#include <initializer_list>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include "traces/blkparse_text_reader.h"
#include "traces/blktrace_format.h"
#include "traces/fio_iolog_reader.h"
#include "zoned/script.h"
#include "traces/script_trace_reader.h"
#include "traces/text_scan.h"

namespace zonesim {

namespace fs = std::filesystem;

namespace {

constexpr size_t kSniffBytes = 64 * 1024;

bool IsRegularFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The first line of `text` that is not blank and not a '#' comment.
std::string_view FirstContentLine(std::string_view text, bool allow_truncated_last) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos && !allow_truncated_last) return {};
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::string_view t = text::Trim(line);
    if (!t.empty() && t[0] != '#') return t;
  }
  return {};
}

}  // namespace

int CpuFromBlktraceName(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  static constexpr std::string_view kInfix = ".blktrace.";
  size_t pos = name.rfind(kInfix);
  if (pos == std::string::npos || pos == 0) return -1;
  std::string_view digits = std::string_view(name).substr(pos + kInfix.size());
  int cpu = 0;
  if (digits.size() > 6 || !text::ParseUnsigned(digits, &cpu)) return -1;
  return cpu;
}

Status ExpandBlktracePrefix(const std::string& prefix, std::vector<BlktraceInput>* out) {
  out->clear();
  std::string p = prefix;
  for (std::string_view suffix : {".blktrace.", ".blktrace"}) {
    if (p.size() > suffix.size() && p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) {
      p.resize(p.size() - suffix.size());
      break;
    }
  }
  fs::path fp(p);
  const std::string base = fp.filename().string();
  fs::path dir = fp.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  std::vector<std::pair<int, std::string>> found;
  if (!base.empty()) {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() <= base.size() || name.compare(0, base.size(), base) != 0) continue;
      const int cpu = CpuFromBlktraceName(name);
      if (cpu < 0 || name.size() != base.size() + 10 + std::to_string(cpu).size()) continue;
      if (name.compare(base.size(), 10, ".blktrace.") != 0) continue;
      const std::string full = (fs::path(p).parent_path() / name).string();
      if (IsRegularFile(full)) found.emplace_back(cpu, full);
    }
  }
  if (found.empty()) {
    return Status::NotFound(prefix + ": no such file, and no " + p + ".blktrace.N per-CPU files");
  }
  std::sort(found.begin(), found.end());
  for (auto& [cpu, path] : found) out->push_back({path, cpu});
  return Status::Ok();
}

Status DetectTraceFormat(const std::string& path, TraceFormat* out) {
  std::unique_ptr<InputFile> f;
  Status s = InputFile::Open(Env::Default(), path, kSniffBytes, &f);
  if (!s.ok()) return s;
  size_t avail = 0;
  s = f->Fill(kSniffBytes, &avail);
  if (!s.ok()) return s;
  const uint8_t* p = f->data();
  blktrace::ByteOrder order;
  uint8_t version;
  if (avail >= 4 && blktrace::ParseMagic(p, &order, &version)) {
    *out = TraceFormat::kBlktrace;
    return Status::Ok();
  }
  if (CpuFromBlktraceName(path) >= 0 || std::memchr(p, 0, avail) != nullptr) {
    *out = TraceFormat::kBlktrace;  // the reader will say what is wrong with it
    return Status::Ok();
  }
  if (avail == 0) return Status::Corruption(path + ": empty file: cannot tell its trace format");
  std::string_view text(reinterpret_cast<const char*>(p), avail);
  const bool whole_file = avail < kSniffBytes;
  if (FioIologVersionOf(text) != 0) {
    *out = TraceFormat::kFioIolog;
    return Status::Ok();
  }
  std::string_view first = FirstContentLine(text, whole_file);
  if (!first.empty() && LooksLikeBlkparseLine(first)) {
    *out = TraceFormat::kBlkparseText;
    return Status::Ok();
  }
  std::optional<Operation> op;
  if (!first.empty() && ParseScriptLine(first, &op).ok() && op) {
    *out = TraceFormat::kScript;
    return Status::Ok();
  }
  return Status::Corruption(path +
                            ": cannot tell the trace format: not blktrace binary (no magic), not a fio "
                            "iolog (first line), not blkparse text and not a zonesim script");
}

std::vector<std::string> PartialCaptureWarnings(const std::vector<std::string>& paths) {
  std::vector<std::string> warnings;
  std::vector<std::string> seen_prefixes;
  for (const std::string& p : paths) {
    if (CpuFromBlktraceName(fs::path(p).filename().string()) < 0) continue;
    const std::string prefix = p.substr(0, p.rfind(".blktrace."));
    if (std::find(seen_prefixes.begin(), seen_prefixes.end(), prefix) != seen_prefixes.end()) continue;
    seen_prefixes.push_back(prefix);
    std::vector<BlktraceInput> all;
    if (!ExpandBlktracePrefix(prefix, &all).ok()) continue;
    size_t given = 0;
    for (const BlktraceInput& f : all)
      if (std::find(paths.begin(), paths.end(), f.path) != paths.end()) ++given;
    if (given < all.size())
      warnings.push_back(prefix + ".blktrace.*: " + std::to_string(given) + " of " + std::to_string(all.size()) +
                         " per-CPU files given, so only those CPUs' records are read; give the prefix '" +
                         prefix + "' to read them all");
  }
  return warnings;
}

Status OpenTrace(const std::vector<std::string>& paths, const TraceOpenOptions& options,
                 std::unique_ptr<TraceReader>* out) {
  if (paths.empty()) return Status::InvalidArgument("no trace files given");
  std::vector<BlktraceInput> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) return Status::InvalidArgument(p + ": is a directory, not a trace file");
    if (fs::exists(p, ec)) {
      files.push_back({p, CpuFromBlktraceName(p)});
      continue;
    }
    std::vector<BlktraceInput> expanded;
    Status s = ExpandBlktracePrefix(p, &expanded);
    if (!s.ok()) return s;
    files.insert(files.end(), expanded.begin(), expanded.end());
  }

  TraceFormat format = options.format;
  if (format == TraceFormat::kAuto) {
    for (const BlktraceInput& f : files) {
      TraceFormat this_format;
      Status s = DetectTraceFormat(f.path, &this_format);
      if (!s.ok()) {
        // An empty per-CPU file (a CPU that saw no I/O) has no format of its
        // own; it takes the others'.
        std::error_code ec;
        if (files.size() > 1 && f.expected_cpu >= 0 && fs::file_size(f.path, ec) == 0 && !ec) continue;
        return s;
      }
      if (format != TraceFormat::kAuto && this_format != format) {
        return Status::InvalidArgument(f.path + " is " + std::string(to_string(this_format)) + " but " +
                                       files[0].path + " is " + std::string(to_string(format)) +
                                       "; only blktrace per-CPU files can be read together");
      }
      format = this_format;
    }
    if (format == TraceFormat::kAuto) format = TraceFormat::kBlktrace;  // all empty per-CPU files
  }
  if (format != TraceFormat::kBlktrace && files.size() != 1) {
    return Status::InvalidArgument("only blktrace binary files can be read together (merged by time); " +
                                   std::string(to_string(format)) + " traces take one file");
  }

  switch (format) {
    case TraceFormat::kBlktrace: {
      std::unique_ptr<BlktraceReader> r;
      Status s = BlktraceReader::Open(files, options.buffer_bytes, &r);
      if (s.ok()) *out = std::move(r);
      return s;
    }
    case TraceFormat::kBlkparseText: {
      std::unique_ptr<BlkparseTextReader> r;
      Status s = BlkparseTextReader::Open(files[0].path, options.buffer_bytes, &r);
      if (s.ok()) *out = std::move(r);
      return s;
    }
    case TraceFormat::kFioIolog: {
      std::unique_ptr<FioIologReader> r;
      Status s = FioIologReader::Open(files[0].path, options.buffer_bytes, &r);
      if (s.ok()) *out = std::move(r);
      return s;
    }
    case TraceFormat::kScript: {
      std::unique_ptr<ScriptTraceReader> r;
      Status s = ScriptTraceReader::Open(files[0].path, options.buffer_bytes, &r);
      if (s.ok()) *out = std::move(r);
      return s;
    }
    case TraceFormat::kAuto: break;
  }
  return Status::InvalidArgument("no trace format");
}

}  // namespace zonesim
