#include "traces/blktrace_reader.h"

#include <algorithm>
#include <cstring>

#include "traces/blktrace_mapping.h"

namespace zonesim {

using namespace blktrace;

Status BlktraceReader::Open(const std::vector<BlktraceInput>& inputs, size_t buffer_bytes,
                            std::unique_ptr<BlktraceReader>* out, Env* env) {
  if (inputs.empty()) return Status::InvalidArgument("no blktrace files to read");
  std::unique_ptr<BlktraceReader> r(new BlktraceReader());
  const size_t per_file = std::max<size_t>(buffer_bytes / inputs.size(), 128 * 1024);
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::unique_ptr<InputFile> f;
    Status s = InputFile::Open(env, inputs[i].path, per_file, &f);
    if (!s.ok()) return s;
    r->sources_.push_back(std::make_unique<BlktraceFileSource>(
        std::move(f), static_cast<uint32_t>(i), inputs[i].expected_cpu, &r->warnings_));
  }
  r->heap_.reserve(inputs.size());
  *out = std::move(r);
  return Status::Ok();
}

bool BlktraceReader::any_big_endian() const {
  for (const auto& s : sources_) {
    if (s->big_endian()) return true;
  }
  return false;
}

Status BlktraceReader::Advance(uint32_t source) {
  bool eof = false;
  Status s = sources_[source]->Next(&eof);
  if (!s.ok()) return s;
  if (!eof) {
    heap_.push_back({sources_[source]->record().time, source});
    std::push_heap(heap_.begin(), heap_.end(), Later());
  }
  return Status::Ok();
}

std::string_view BlktraceReader::LabelFor(uint32_t pid) {
  if (cached_name_ != nullptr && cached_pid_ == pid) return *cached_name_;
  auto it = names_.find(pid);
  if (it == names_.end()) return {};
  cached_pid_ = pid;
  cached_name_ = &it->second;
  return it->second;
}

void BlktraceReader::Emit(const BlktraceFileSource& src, TraceEvent* ev) {
  const Record& rec = src.record();
  ev->origin.file = src.path();
  ev->origin.file_index = src.file_index();
  ev->origin.index = src.record_index();
  ev->origin.is_line = false;
  ev->target = {};
  MapRecord(rec, ev);
  if (rec.has(kTcNotify)) {
    // A cgroup id (u64) precedes the payload when __BLK_TN_CGROUP is set.
    const size_t skip = (rec.action & kActCgroup) ? 8 : 0;
    const char* text = reinterpret_cast<const char*>(src.pdu()) + std::min<size_t>(skip, rec.pdu_len);
    size_t len = rec.pdu_len > skip ? rec.pdu_len - skip : 0;
    if (rec.code() == kNotifyProcess) {
      len = strnlen(text, len);  // the kernel copies the NUL-padded task comm
      std::string& name = names_[rec.pid];
      name.assign(text, len);
      cached_name_ = nullptr;
      ev->label = name;
      return;
    }
    if (rec.code() == kNotifyMessage) {
      len = strnlen(text, len);
      ev->label = std::string_view(text, len);
      return;
    }
    ev->label = LabelFor(rec.pid);
    return;
  }
  ev->label = LabelFor(rec.pid);
}

Status BlktraceReader::Next(TraceEvent* ev, bool* eof) {
  if (!primed_) {
    primed_ = true;
    for (uint32_t i = 0; i < sources_.size(); ++i) {
      Status s = Advance(i);
      if (!s.ok()) return s;
    }
  } else if (pending_ >= 0) {
    // Only now may the emitted source move on: its payload backed ev's label.
    Status s = Advance(static_cast<uint32_t>(pending_));
    pending_ = -1;
    if (!s.ok()) return s;
  }
  if (heap_.empty()) {
    *eof = true;
    return Status::Ok();
  }
  std::pop_heap(heap_.begin(), heap_.end(), Later());
  const uint32_t source = heap_.back().source;
  heap_.pop_back();
  Emit(*sources_[source], ev);
  pending_ = static_cast<int>(source);
  *eof = false;
  return Status::Ok();
}

}  // namespace zonesim
