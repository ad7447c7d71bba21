// JsonWriter::Escape: JSON output stays valid UTF-8 whatever bytes a file
// name or a message holds.
#include <doctest/doctest.h>

#include <string>

#include "common/json_writer.h"

namespace zonesim {
namespace {

TEST_CASE("json escape: well-formed UTF-8 passes, anything else becomes U+FFFD") {
  CHECK(JsonWriter::Escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(JsonWriter::Escape("img\xff.qcow2") == "img\\ufffd.qcow2");        // not UTF-8 at all
  CHECK(JsonWriter::Escape("x\xc3") == "x\\ufffd");                       // cut short
  CHECK(JsonWriter::Escape("\xc0\xaf") == "\\ufffd\\ufffd");              // overlong '/'
  CHECK(JsonWriter::Escape("\xed\xa0\x80") == "\\ufffd\\ufffd\\ufffd");   // a surrogate
  CHECK(JsonWriter::Escape("a\"b\\\n\x01") == "a\\\"b\\\\\\n\\u0001");
}

}  // namespace
}  // namespace zonesim
