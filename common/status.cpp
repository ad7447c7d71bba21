#include "common/status.h"

namespace zonesim {

std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "not found: " + msg_;
    case Code::kCorruption: return "corrupt: " + msg_;
    case Code::kInvalidArgument: return "invalid argument: " + msg_;
    case Code::kIoError: return "I/O error: " + msg_;
    case Code::kNotSupported: return "not supported: " + msg_;
  }
  return msg_;
}

}  // namespace zonesim
