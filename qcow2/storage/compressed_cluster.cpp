#include "qcow2/storage/compressed_cluster.h"

#include <zlib.h>

#include <string>

namespace zonesim::qcow2 {

namespace {
constexpr int kWindowBits = -12;  // raw deflate, 4 KiB window, as QEMU
}

Status InflateCluster(const uint8_t* in, size_t in_len, uint8_t* out, size_t cluster_size) {
  z_stream z{};
  if (inflateInit2(&z, kWindowBits) != Z_OK) return Status::IoError("zlib inflateInit2 failed");
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = static_cast<uInt>(in_len);
  z.next_out = out;
  z.avail_out = static_cast<uInt>(cluster_size);
  int rc = inflate(&z, Z_FINISH);
  size_t produced = cluster_size - z.avail_out;
  inflateEnd(&z);
  // Z_STREAM_END: the stream ended. Z_BUF_ERROR / Z_OK with a full output: the
  // cluster is complete and the rest of the input belongs to someone else.
  if ((rc == Z_STREAM_END || rc == Z_BUF_ERROR || rc == Z_OK) && produced == cluster_size) return Status::Ok();
  return Status::Corruption("compressed cluster: deflate stream of " + std::to_string(in_len) +
                            " bytes decompressed to " + std::to_string(produced) + " of " +
                            std::to_string(cluster_size) + " bytes (zlib code " + std::to_string(rc) + ")");
}

Status DeflateCluster(const uint8_t* in, size_t len, std::vector<uint8_t>* out) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kWindowBits, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::IoError("zlib deflateInit2 failed");
  }
  out->assign(deflateBound(&z, static_cast<uLong>(len)), 0);
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = static_cast<uInt>(len);
  z.next_out = out->data();
  z.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&z, Z_FINISH);
  size_t produced = out->size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::IoError("zlib deflate failed (code " + std::to_string(rc) + ")");
  out->resize(produced);
  return Status::Ok();
}

}  // namespace zonesim::qcow2
