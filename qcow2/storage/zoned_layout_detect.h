// Which layout a 48-byte zoned extension is: v5/v6 (u32 sizes, little-endian
// entries flagged at bit 59) or about-v11 (nr_zones first, big-endian entries
// flagged at bit 63). The length is the same and there is no version field, so
// qcow2-zoned.md ("Later revisions") decides by consistency: a reading fits
// when zone_size > 0, nr_zones == ceil(virtual_size / zone_size), the table
// lies inside the file, and every entry lies inside its own zone with the
// conventional flag exactly on the conventional zones. Exactly one reading
// must fit; both or neither is refused with the reason for each.
// Shared by the opener (Qcow2Image) and the checker (`zonesim check`).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim::qcow2 {

// Reads `n` bytes of the image file at `offset`.
using FileReader = std::function<Status(uint64_t offset, uint64_t n, uint8_t* out)>;

struct LayoutDecision {
  std::vector<ZonedLayout> fitting;  // the candidate readings that fit, in order v5, v11
  std::string why_not;               // one clause per reading that does not fit
};

// Why `z` does not fit the image ("" when it does). Reads the table.
std::string LayoutMisfit(const ZonedExtension& z, uint64_t virtual_size, uint64_t file_size, const FileReader& read);

// Tries every reading `n` bytes of extension data allow (two for 48 bytes,
// one otherwise).
LayoutDecision DecideZonedLayout(const uint8_t* data, size_t n, uint64_t virtual_size, uint64_t file_size,
                                 const FileReader& read);

// Decodes the extension in the one layout that fits. For a 48-byte extension
// that both readings fit, `preferred` (a project's pinned revision) decides
// if it is one of them; otherwise Corruption says why (both or neither fits).
// Other lengths decode as DecodeZonedExtension does.
Status ResolveZonedExtension(const uint8_t* data, size_t n, uint64_t virtual_size, uint64_t file_size,
                             const FileReader& read, std::optional<ZonedLayout> preferred, ZonedExtension* out);

}  // namespace zonesim::qcow2
