// JsonValue: a small JSON parser for reading back zonesim's own JSON outputs
// (campaign plans, fuzz results). Objects keep their keys in document order;
// numbers keep their text, so 64-bit counters round-trip exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace zonesim {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  // Parses a whole document (surrounding whitespace allowed). On error the
  // Status says where: "byte 17: expected ':'".
  static Status Parse(std::string_view text, JsonValue* out);

  Type type() const { return type_; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_number() const { return type_ == Type::kNumber; }

  // The member named key, or nullptr (also when this is not an object).
  const JsonValue* Find(std::string_view key) const;
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }
  const std::vector<JsonValue>& items() const { return items_; }

  // The string, the number's text, or "true"/"false".
  const std::string& text() const { return text_; }
  bool boolean() const { return type_ == Type::kBool && text_ == "true"; }
  // The number as an unsigned integer; false if it is not one or overflows.
  bool AsUint(uint64_t* v) const;

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

}  // namespace zonesim
