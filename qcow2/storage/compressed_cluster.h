// Compressed clusters: QEMU's qcow2 stores them as raw deflate streams (zlib
// with windowBits -12, no zlib header, 4 KiB window; block/qcow2-threads.c),
// compression type 0. Decompression stops once a full cluster is produced: the
// descriptor's sector count may include bytes of the next compressed cluster.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/status.h"

namespace zonesim::qcow2 {

// Inflates `in` into exactly cluster_size bytes at `out`. Fails (Corruption)
// if the stream is malformed or ends before a whole cluster.
Status InflateCluster(const uint8_t* in, size_t in_len, uint8_t* out, size_t cluster_size);
// Deflates one cluster the way QEMU does (level default, windowBits -12).
Status DeflateCluster(const uint8_t* in, size_t len, std::vector<uint8_t>* out);

}  // namespace zonesim::qcow2
