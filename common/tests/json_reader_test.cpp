#include "common/json_reader.h"

#include <doctest/doctest.h>

#include "common/json_writer.h"

namespace zonesim {
namespace {

TEST_CASE("JsonValue reads back what JsonWriter writes") {
  JsonWriter w;
  w.BeginObject();
  w.Field("name", "a \"quoted\"\nline\t\x01");
  w.Field("big", uint64_t{18446744073709551615ull});
  w.Field("neg", -3).Field("pi", 3.25).Field("yes", true);
  w.Key("none").Null();
  w.Key("list").BeginArray().Uint(1).String("two").BeginObject().EndObject().EndArray();
  w.EndObject();
  JsonValue v;
  REQUIRE(JsonValue::Parse(w.str(), &v).ok());
  REQUIRE(v.is_object());
  CHECK(v.members().size() == 7);
  CHECK(v.members()[0].first == "name");  // document order kept
  CHECK(v.Find("name")->text() == "a \"quoted\"\nline\t\x01");
  uint64_t big = 0;
  CHECK(v.Find("big")->AsUint(&big));
  CHECK(big == 18446744073709551615ull);
  uint64_t n = 0;
  CHECK_FALSE(v.Find("neg")->AsUint(&n));
  CHECK_FALSE(v.Find("pi")->AsUint(&n));
  CHECK(v.Find("pi")->text() == "3.25");
  CHECK(v.Find("yes")->boolean());
  CHECK(v.Find("none")->type() == JsonValue::Type::kNull);
  CHECK(v.Find("missing") == nullptr);
  const JsonValue& list = *v.Find("list");
  REQUIRE(list.items().size() == 3);
  CHECK(list.items()[1].text() == "two");
  CHECK(list.items()[2].is_object());
}

TEST_CASE("JsonValue rejects malformed documents with the byte offset") {
  JsonValue v;
  for (const char* bad : {"", "{", "{\"a\" 1}", "[1,]", "[1 2]", "\"open", "tru", "{} x", "-",
                          "\"\\q\"", "\"\\u12\""}) {
    CAPTURE(bad);
    Status s = JsonValue::Parse(bad, &v);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("byte ") == 0);
  }
  // Deep nesting is refused, not a stack overflow.
  CHECK_FALSE(JsonValue::Parse(std::string(100000, '['), &v).ok());
}

}  // namespace
}  // namespace zonesim
