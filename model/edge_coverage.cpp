#include "model/edge_coverage.h"

#include <sstream>

namespace zonesim {

namespace {

struct TriggerName {
  Trigger t;
  std::string_view name;
};

constexpr TriggerName kTriggerNames[] = {
    {Trigger::kWrite, "write"},
    {Trigger::kAppend, "append"},
    {Trigger::kOpen, "open"},
    {Trigger::kClose, "close"},
    {Trigger::kFinish, "finish"},
    {Trigger::kReset, "reset"},
    {Trigger::kOffline, "offline"},
    {Trigger::kOpenAll, "open_all"},
    {Trigger::kCloseAll, "close_all"},
    {Trigger::kFinishAll, "finish_all"},
    {Trigger::kResetAll, "reset_all"},
    {Trigger::kOfflineAll, "offline_all"},
    {Trigger::kImplicitClose, "implicit_close"},
    {Trigger::kPowerCycle, "power_cycle"},
    {Trigger::kFaultReadOnly, "fault_read_only"},
    {Trigger::kFaultOffline, "fault_offline"},
};

}  // namespace

std::string_view to_string(Trigger t) {
  for (const auto& n : kTriggerNames)
    if (n.t == t) return n.name;
  return "?";
}

std::optional<Trigger> trigger_from_string(std::string_view s) {
  for (const auto& n : kTriggerNames)
    if (n.name == s) return n.t;
  return std::nullopt;
}

std::string to_string(const Edge& e) {
  return std::string(to_string(e.from)) + " --" + std::string(to_string(e.trigger)) + "--> " +
         std::string(to_string(e.to));
}

void EdgeCoverage::Merge(const EdgeCoverage& other) {
  for (const auto& [edge, n] : other.counts_) counts_[edge] += n;
}

uint64_t EdgeCoverage::Count(const Edge& e) const {
  auto it = counts_.find(e);
  return it == counts_.end() ? 0 : it->second;
}

std::string EdgeCoverage::Serialize() const {
  std::string out;
  for (const auto& [e, n] : counts_) {
    out += std::string(to_string(e.from)) + " " + std::string(to_string(e.trigger)) + " " +
           std::string(to_string(e.to)) + " " + std::to_string(n) + "\n";
  }
  return out;
}

Status EdgeCoverage::Parse(std::string_view text, EdgeCoverage* out) {
  std::istringstream in{std::string(text)};
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string from, trig, to;
    uint64_t n = 0;
    if (!(fields >> from >> trig >> to >> n))
      return Status::InvalidArgument("coverage line " + std::to_string(lineno) +
                                     ": expected 'FROM TRIGGER TO COUNT'");
    auto f = condition_from_string(from);
    auto t = trigger_from_string(trig);
    auto c = condition_from_string(to);
    if (!f || !t || !c)
      return Status::InvalidArgument("coverage line " + std::to_string(lineno) +
                                     ": unknown condition or trigger in '" + line + "'");
    out->counts_[Edge{*f, *t, *c}] += n;
  }
  return Status::Ok();
}

}  // namespace zonesim
