#include "traces/blktrace_format.h"

#include <cstring>
#include <initializer_list>

namespace zonesim::blktrace {

namespace {

// Field access by byte order. memcpy keeps unaligned loads legal; the
// compiler turns each into a single move (plus bswap for the other order).
template <typename T>
T Load(const uint8_t* p, ByteOrder order) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if (order == ByteOrder::kBig) {
    if constexpr (sizeof(T) == 2) v = __builtin_bswap16(v);
    if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
  }
  return v;
}

template <typename T>
void Store(uint8_t* p, T v, ByteOrder order) {
  if (order == ByteOrder::kBig) {
    if constexpr (sizeof(T) == 2) v = __builtin_bswap16(v);
    if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
  }
  std::memcpy(p, &v, sizeof(T));
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "Load/Store treat the host as little-endian");

}  // namespace

size_t RecordSize(uint8_t version) {
  if (version == kVersion7) return kRecordSizeV7;
  if (version == kVersion8) return kRecordSizeV8;
  return 0;
}

bool ParseMagic(const uint8_t* p, ByteOrder* order, uint8_t* version) {
  for (ByteOrder o : {ByteOrder::kLittle, ByteOrder::kBig}) {
    uint32_t m = Load<uint32_t>(p, o);
    if ((m & kMagicMask) == kMagic) {
      *order = o;
      *version = static_cast<uint8_t>(m & 0xff);
      return true;
    }
  }
  return false;
}

void DecodeRecord(const uint8_t* p, ByteOrder order, Record* out) {
  out->version = static_cast<uint8_t>(Load<uint32_t>(p, order) & 0xff);
  out->sequence = Load<uint32_t>(p + 4, order);
  out->time = Load<uint64_t>(p + 8, order);
  out->sector = Load<uint64_t>(p + 16, order);
  out->bytes = Load<uint32_t>(p + 24, order);
  if (out->version == kVersion8) {
    out->pid = Load<uint32_t>(p + 28, order);
    out->action = Load<uint64_t>(p + 32, order);
    out->device = Load<uint32_t>(p + 40, order);
    out->cpu = Load<uint32_t>(p + 44, order);
    out->error = Load<uint16_t>(p + 48, order);
    out->pdu_len = Load<uint16_t>(p + 50, order);
  } else {
    out->action = Load<uint32_t>(p + 28, order);
    out->pid = Load<uint32_t>(p + 32, order);
    out->device = Load<uint32_t>(p + 36, order);
    out->cpu = Load<uint32_t>(p + 40, order);
    out->error = Load<uint16_t>(p + 44, order);
    out->pdu_len = Load<uint16_t>(p + 46, order);
  }
}

void EncodeRecord(const Record& rec, ByteOrder order, uint8_t* out) {
  std::memset(out, 0, RecordSize(rec.version));
  Store<uint32_t>(out, kMagic | rec.version, order);
  Store<uint32_t>(out + 4, rec.sequence, order);
  Store<uint64_t>(out + 8, rec.time, order);
  Store<uint64_t>(out + 16, rec.sector, order);
  Store<uint32_t>(out + 24, rec.bytes, order);
  if (rec.version == kVersion8) {
    Store<uint32_t>(out + 28, rec.pid, order);
    Store<uint64_t>(out + 32, rec.action, order);
    Store<uint32_t>(out + 40, rec.device, order);
    Store<uint32_t>(out + 44, rec.cpu, order);
    Store<uint16_t>(out + 48, rec.error, order);
    Store<uint16_t>(out + 50, rec.pdu_len, order);
  } else {
    Store<uint32_t>(out + 28, static_cast<uint32_t>(rec.action), order);
    Store<uint32_t>(out + 32, rec.pid, order);
    Store<uint32_t>(out + 36, rec.device, order);
    Store<uint32_t>(out + 40, rec.cpu, order);
    Store<uint16_t>(out + 44, rec.error, order);
    Store<uint16_t>(out + 46, rec.pdu_len, order);
  }
}

}  // namespace zonesim::blktrace
