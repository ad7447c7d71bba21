// blkparse's RWBS field (blkparse_fmt.c fill_rwbs, blktrace 1.2 and the
// blk_io_trace2 zoned additions): an optional leading 'F' (flush/preflush),
// then the request type -- 'D' discard, "ZA" zone append, "ZR" zone reset,
// "ZRA" reset all, "ZF" finish, "ZO" open, "ZC" close, 'W' write, 'R' read,
// 'N' no data -- then optional 'F' (FUA), 'A' (readahead), 'S' (sync),
// 'M' (metadata), in that order.
#pragma once

#include <string>
#include <string_view>

#include "traces/request_mapping.h"

namespace zonesim {

// Decodes rwbs into shape->type, shape->flush and EventFlag bits; false (and
// *error names the problem) if it does not follow the grammar above.
bool ParseRwbs(std::string_view rwbs, RequestShape* shape, uint32_t* flags, std::string* error);

}  // namespace zonesim
