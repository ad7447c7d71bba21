// WriteData: the bytes of one guest write in the form the caller has them,
// a buffer or a Payload (zoned/payload.h), passed unchanged from the device
// adapter through ZonedImage to Qcow2Image. The write path asks it for bytes
// only where they go to the file (into the cluster being assembled, or the
// piece being written), so generated data is generated once and never staged
// on the way down, and a large generated write never exists whole in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "zoned/payload.h"

namespace zonesim {

class WriteData {
 public:
  // Implicit on purpose: a call site passes its buffer or its payload as is.
  WriteData(const uint8_t* bytes) : bytes_(bytes) {}
  WriteData(const Payload& payload) : payload_(payload) {}

  // The same data from its byte n on (what is left after the first n bytes).
  WriteData Skip(uint64_t n) const {
    WriteData d = *this;
    if (d.bytes_ != nullptr) d.bytes_ += n;
    else d.skipped_ += n;
    return d;
  }
  // Bytes [at, at + n) into out.
  void CopyTo(uint64_t at, size_t n, uint8_t* out) const {
    if (bytes_ != nullptr) std::memcpy(out, bytes_ + at, n);
    else payload_.Generate(skipped_ + at, n, out);
  }
  // The caller's buffer (to be written as is), or nullptr for generated data.
  const uint8_t* bytes() const { return bytes_; }

 private:
  const uint8_t* bytes_ = nullptr;
  Payload payload_;
  uint64_t skipped_ = 0;  // generated data: the payload offset of byte 0
};

}  // namespace zonesim
