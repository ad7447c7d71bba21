#include "sim/campaign/campaign_merge.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/json_reader.h"

namespace zonesim {

namespace {

bool ReadFile(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  *text = s.str();
  return true;
}

std::string LastLine(const std::string& text) {
  std::istringstream in(text);
  std::string last;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) last = line;
  return last;
}

std::vector<std::string> Strings(const JsonValue* v) {
  std::vector<std::string> out;
  if (v)
    for (const JsonValue& e : v->items()) out.push_back(e.text());
  return out;
}

void AddCounts(const JsonValue* object, std::map<std::string, uint64_t>* into) {
  if (!object) return;
  for (const auto& [k, v] : object->members()) {
    uint64_t n = 0;
    if (v.AsUint(&n)) (*into)[k] += n;
  }
}

// What one finished shard's fuzz JSON adds to the merge. Returns false (with
// *why) if the document is not a fuzz result.
bool ReadResult(const std::string& text, int exit_code, ShardOutcome* o, JsonValue* doc,
                std::string* why) {
  Status st = JsonValue::Parse(text, doc);
  if (!st.ok()) {
    *why = "result is not JSON: " + st.message();
    return false;
  }
  const JsonValue* verdict = doc->Find("verdict");
  const JsonValue* device = doc->Find("device");
  const JsonValue* ops = doc->Find("operations");
  if (!verdict || !device || !ops || !ops->AsUint(&o->operations)) {
    *why = "result lacks verdict, device or operations";
    return false;
  }
  const JsonValue* d = doc->Find("divergence");
  o->divergence = d != nullptr;
  if (o->divergence != (exit_code == 1) || o->divergence != (verdict->text() == "divergence")) {
    *why = "exit " + std::to_string(exit_code) + " disagrees with verdict '" + verdict->text() + "'";
    return false;
  }
  if (d) {
    const JsonValue* what = d->Find("what");
    const JsonValue* report = d->Find("report");
    o->what = what ? what->text() : "";
    o->report = report ? report->text() : "";
  }
  return true;
}

void AddCoverage(const JsonValue& coverage, CoverageUnion* u, std::set<std::string>* graph) {
  // The state graph of this device: the edges a shard took minus those not in
  // it, plus those it did not take. Every shard of one device has the same.
  std::set<std::string> unexpected;
  for (const std::string& e : Strings(coverage.Find("unexpected"))) unexpected.insert(e);
  for (const std::string& e : Strings(coverage.Find("uncovered"))) graph->insert(e);
  if (const JsonValue* edges = coverage.Find("edges")) {
    for (const auto& [e, v] : edges->members()) {
      uint64_t n = 0;
      if (v.AsUint(&n)) u->edges[e] += n;
      if (!unexpected.count(e)) graph->insert(e);
    }
  }
}

void SummarizeUnion(const std::set<std::string>& graph, CoverageUnion* u) {
  CoverageSummary& s = u->summary;
  s.total = graph.size();
  for (const std::string& e : graph) {
    if (u->edges.count(e)) ++s.covered;
    else s.uncovered.push_back(e);
  }
  for (const auto& [e, n] : u->edges)
    if (!graph.count(e)) s.unexpected.push_back(e);
  s.percent = s.total ? 100.0 * static_cast<double>(s.covered) / static_cast<double>(s.total) : 0;
}

}  // namespace

Status MergeCampaign(const std::string& dir, const CampaignPlan& plan, MergedCampaign* m) {
  *m = MergedCampaign();
  std::map<std::string, std::set<std::string>> graphs;  // device -> its graph's edges
  std::map<std::pair<std::string, std::vector<std::string>>, size_t> finding_of;
  for (const Shard& shard : plan.shards) {
    ShardOutcome o;
    o.shard = shard;
    std::string exit_record, result, err;
    const std::string base = dir + "/";
    int exit_code = -1;
    JsonValue doc;
    if (!ReadFile(base + ShardFile(shard.index, ".exit"), &exit_record)) {
      o.state = ShardOutcome::State::kMissing;
      o.reason = "no exit record: never ran or did not finish";
    } else if (std::sscanf(exit_record.c_str(), "exit %d", &exit_code) != 1 ||
               (exit_code != 0 && exit_code != 1)) {
      o.state = ShardOutcome::State::kFailed;
      ReadFile(base + ShardFile(shard.index, ".stderr"), &err);
      o.reason = LastLine(exit_record);
      if (!LastLine(err).empty()) o.reason += ": " + LastLine(err);
    } else if (!ReadFile(base + ShardFile(shard.index, ".json"), &result)) {
      o.state = ShardOutcome::State::kFailed;
      o.reason = ShardFile(shard.index, ".json") + ": " + std::strerror(errno);
    } else if (!ReadResult(result, exit_code, &o, &doc, &o.reason)) {
      o.state = ShardOutcome::State::kFailed;
    } else {
      o.state = ShardOutcome::State::kDone;
    }
    if (o.state == ShardOutcome::State::kDone) {
      ++m->done;
      m->operations += o.operations;
      AddCounts(doc.Find("op_counts"), &m->op_counts);
      AddCounts(doc.Find("status_counts"), &m->status_counts);
      const std::string device = doc.Find("device")->text();
      if (const JsonValue* c = doc.Find("coverage")) {
        AddCoverage(*c, &m->coverage[device], &graphs[device]);
        const JsonValue* covered = c->Find("covered");
        const JsonValue* total = c->Find("total");
        if (covered && total) o.coverage = covered->text() + "/" + total->text() + " edges";
      }
      if (o.divergence) {
        const JsonValue* d = doc.Find("divergence");
        auto key = std::make_pair(device, Strings(d->Find("reproducer")));
        auto [it, fresh] = finding_of.emplace(key, m->findings.size());
        if (fresh) m->findings.push_back(Finding{device, o.what, key.second, {}, {}});
        m->findings[it->second].shards.push_back(shard.index);
        m->findings[it->second].seeds.push_back(shard.seed);
      }
    } else if (o.state == ShardOutcome::State::kFailed) {
      ++m->failed;
    } else {
      ++m->missing;
    }
    m->outcomes.push_back(std::move(o));
  }
  for (auto& [device, u] : m->coverage) SummarizeUnion(graphs[device], &u);
  return Status::Ok();
}

std::string Verdict(const MergedCampaign& m) {
  if (!m.findings.empty()) return "divergence";
  if (m.failed || m.missing) return "incomplete";
  return "conforming";
}

}  // namespace zonesim
