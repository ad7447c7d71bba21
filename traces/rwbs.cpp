#include "traces/rwbs.h"

namespace zonesim {

namespace {

bool Consume(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

}  // namespace

bool ParseRwbs(std::string_view rwbs, RequestShape* shape, uint32_t* flags, std::string* error) {
  std::string_view s = rwbs;
  shape->flush = false;
  *flags = 0;
  // A leading 'F' is the flush flag only when a type letter follows it.
  if (s.size() >= 2 && s[0] == 'F') {
    shape->flush = true;
    s.remove_prefix(1);
  }
  // Longest zone names first: "ZRA" before "ZR".
  static constexpr struct {
    std::string_view text;
    RequestType type;
  } kTypes[] = {
      {"ZRA", RequestType::kZoneResetAll}, {"ZR", RequestType::kZoneReset},
      {"ZA", RequestType::kZoneAppend},    {"ZF", RequestType::kZoneFinish},
      {"ZO", RequestType::kZoneOpen},      {"ZC", RequestType::kZoneClose},
      {"D", RequestType::kDiscard},        {"W", RequestType::kWrite},
      {"R", RequestType::kRead},           {"N", RequestType::kNone},
  };
  bool found = false;
  for (const auto& t : kTypes) {
    if (Consume(&s, t.text)) {
      shape->type = t.type;
      found = true;
      break;
    }
  }
  if (!found) {
    *error = "RWBS field '" + std::string(rwbs) + "' has no request type (D, W, R, N or Z?)";
    return false;
  }
  static constexpr struct {
    char letter;
    uint32_t flag;
  } kSuffixes[] = {{'F', kFlagFua}, {'A', kFlagReadahead}, {'S', kFlagSync}, {'M', kFlagMeta}};
  size_t next = 0;  // suffixes come in this order, each at most once
  while (!s.empty()) {
    bool ok = false;
    for (; next < std::size(kSuffixes); ++next) {
      if (s[0] == kSuffixes[next].letter) {
        *flags |= kSuffixes[next].flag;
        s.remove_prefix(1);
        ++next;
        ok = true;
        break;
      }
    }
    if (!ok) {
      *error = "RWBS field '" + std::string(rwbs) + "' has an unexpected '" + std::string(1, s[0]) + "'";
      return false;
    }
  }
  return true;
}

}  // namespace zonesim
