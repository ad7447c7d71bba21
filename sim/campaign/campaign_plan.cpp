#include "sim/campaign/campaign_plan.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/json_reader.h"
#include "common/json_writer.h"
#include "common/shell_quote.h"

namespace zonesim {

namespace {

constexpr const char* kPlanFormat = "zonesim-campaign-plan 1";

bool ParseU64(const std::string& s, uint64_t* v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// Options the plan owns: a pass-through copy would make shards disagree with
// the plan (or with each other's files).
const std::set<std::string> kOwnedFuzzOptions = {
    "--seed", "--ops", "--profile", "--config", "--json", "--junit", "--image", "--keep-image",
    "--replay", "--help", "-h"};

std::vector<std::string> StringArray(const JsonValue* v) {
  std::vector<std::string> out;
  if (v)
    for (const JsonValue& e : v->items()) out.push_back(e.text());
  return out;
}

Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0777) == 0 || errno == EEXIST) return Status::Ok();
  return Status::IoError(path + ": mkdir: " + std::strerror(errno));
}

Status WriteWholeFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError(path + ": write: " + std::strerror(errno));
  if (chmod(path.c_str(), mode) != 0) return Status::IoError(path + ": chmod: " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Status ParseSeedRange(const std::string& text, uint64_t* first, uint64_t* last) {
  const size_t dots = text.find("..");
  const std::string a = dots == std::string::npos ? text : text.substr(0, dots);
  const std::string b = dots == std::string::npos ? text : text.substr(dots + 2);
  if (!ParseU64(a, first) || !ParseU64(b, last) || *first > *last)
    return Status::InvalidArgument("--seeds '" + text + "' is not A..B (A <= B) or a single seed");
  return Status::Ok();
}

std::string ShardFile(uint64_t index, const std::string& suffix) {
  char name[32];
  std::snprintf(name, sizeof name, "%06llu", static_cast<unsigned long long>(index));
  return "shards/" + std::string(name) + suffix;
}

Status BuildPlan(const PlanOptions& options, CampaignPlan* plan) {
  for (const std::string& a : options.fuzz_args) {
    const std::string name = a.substr(0, a.find('='));
    if (kOwnedFuzzOptions.count(name))
      return Status::InvalidArgument("fuzz argument '" + a +
                                     "' is set by the plan itself; use campaign plan's options");
  }
  const uint64_t seeds = options.last_seed - options.first_seed + 1;
  const uint64_t groups = options.profiles.size() * options.configs.size();
  if (groups == 0) return Status::InvalidArgument("no profiles or no configurations");
  if (seeds == 0 || seeds > kMaxShards / groups)
    return Status::InvalidArgument("more than " + std::to_string(kMaxShards) + " shards");
  plan->options = options;
  plan->shards.clear();
  for (const std::string& config : options.configs) {
    for (const std::string& profile : options.profiles) {
      for (uint64_t seed = options.first_seed;; ++seed) {
        Shard s;
        s.index = plan->shards.size();
        s.seed = seed;
        s.profile = profile;
        s.config = config;
        s.argv = {options.zonesim, "fuzz", "--seed", std::to_string(seed),
                  "--ops", std::to_string(options.ops), "--profile", profile};
        if (!config.empty()) s.argv.insert(s.argv.end(), {"--config", config});
        s.argv.insert(s.argv.end(), {"--json", "--junit", ShardFile(s.index, ".junit.xml")});
        s.argv.insert(s.argv.end(), options.fuzz_args.begin(), options.fuzz_args.end());
        plan->shards.push_back(std::move(s));
        if (seed == options.last_seed) break;
      }
    }
  }
  return Status::Ok();
}

std::string PlanJson(const CampaignPlan& plan) {
  const PlanOptions& o = plan.options;
  JsonWriter j;
  j.BeginObject();
  j.Field("format", kPlanFormat);
  j.Field("zonesim", o.zonesim);
  j.Field("first_seed", o.first_seed).Field("last_seed", o.last_seed).Field("ops", o.ops);
  j.Key("profiles").BeginArray();
  for (const std::string& p : o.profiles) j.String(p);
  j.EndArray();
  j.Key("configs").BeginArray();
  for (const std::string& c : o.configs) j.String(c);
  j.EndArray();
  j.Key("fuzz_args").BeginArray();
  for (const std::string& a : o.fuzz_args) j.String(a);
  j.EndArray();
  j.Key("shards").BeginArray();
  for (const Shard& s : plan.shards) {
    j.BeginObject();
    j.Field("index", s.index).Field("seed", s.seed);
    j.Field("profile", s.profile).Field("config", s.config);
    j.Field("result", ShardFile(s.index, ".json"));
    j.Key("argv").BeginArray();
    for (const std::string& a : s.argv) j.String(a);
    j.EndArray();
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
  return j.str();
}

Status ParsePlanJson(const std::string& text, CampaignPlan* plan) {
  JsonValue doc;
  Status st = JsonValue::Parse(text, &doc);
  if (!st.ok()) return st;
  const JsonValue* format = doc.Find("format");
  if (!format || format->text() != kPlanFormat)
    return Status::Corruption(std::string("not a campaign plan (no \"format\": \"") + kPlanFormat +
                              "\")");
  PlanOptions& o = plan->options;
  auto uint_field = [&](const JsonValue& obj, const char* key, uint64_t* v) {
    const JsonValue* f = obj.Find(key);
    return f && f->AsUint(v);
  };
  const JsonValue* zonesim = doc.Find("zonesim");
  const JsonValue* shards = doc.Find("shards");
  if (!zonesim || !shards || !shards->is_array() || !uint_field(doc, "first_seed", &o.first_seed) ||
      !uint_field(doc, "last_seed", &o.last_seed) || !uint_field(doc, "ops", &o.ops))
    return Status::Corruption("plan lacks zonesim, seeds, ops or shards");
  o.zonesim = zonesim->text();
  o.profiles = StringArray(doc.Find("profiles"));
  o.configs = StringArray(doc.Find("configs"));
  o.fuzz_args = StringArray(doc.Find("fuzz_args"));
  plan->shards.clear();
  for (const JsonValue& e : shards->items()) {
    Shard s;
    const JsonValue* profile = e.Find("profile");
    const JsonValue* config = e.Find("config");
    if (!uint_field(e, "index", &s.index) || !uint_field(e, "seed", &s.seed) || !profile ||
        !config || s.index != plan->shards.size())
      return Status::Corruption("shard " + std::to_string(plan->shards.size()) +
                                " lacks index, seed, profile or config, or is out of order");
    s.profile = profile->text();
    s.config = config->text();
    s.argv = StringArray(e.Find("argv"));
    if (s.argv.empty())
      return Status::Corruption("shard " + std::to_string(s.index) + " has no argv");
    plan->shards.push_back(std::move(s));
  }
  return Status::Ok();
}

Status LoadPlan(const std::string& dir, CampaignPlan* plan) {
  const std::string path = dir + "/plan.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": open: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  Status st = ParsePlanJson(text.str(), plan);
  if (!st.ok()) return Status::Corruption(path + ": " + st.message());
  return Status::Ok();
}

std::string SbatchScript(const CampaignPlan& plan, const std::string& dir) {
  const uint64_t n = plan.shards.size();
  std::string s = "#!/bin/bash\n";
  s += "# Generated by `zonesim campaign plan`: " + std::to_string(n) +
       " shards of `zonesim fuzz`, one per array task.\n";
  s += "# Every shard's exact command line is in plan.json; each task writes\n";
  s += "# shards/NNNNNN.{json,junit.xml,stderr,exit} under the campaign directory,\n";
  s += "# which must be on a file system every node shares.\n";
  s += "# Submit:               sbatch " + ShellQuote(dir + "/campaign.sbatch") + "\n";
  s += "# Resubmit some shards: sbatch --array=3,17 " + ShellQuote(dir + "/campaign.sbatch") + "\n";
  s += "# Then:                 zonesim campaign merge " + ShellQuote(dir) + "\n";
  s += "#SBATCH --job-name=zonesim-campaign\n";
  s += "#SBATCH --array=0-" + std::to_string(n - 1) + "\n";
  s += "#SBATCH --ntasks=1\n";
  s += "#SBATCH --cpus-per-task=1\n";
  // #SBATCH lines are not shell words: Slurm reads them up to the end of line.
  s += "#SBATCH --chdir=" + dir + "\n";
  s += "#SBATCH --output=" + dir + "/slurm/%A_%a.out\n";
  s += "set -u\n";
  s += "exec " + ShellQuote(plan.options.zonesim) + " campaign shard " + ShellQuote(dir) +
       " \"$SLURM_ARRAY_TASK_ID\"\n";
  return s;
}

Status WritePlan(const CampaignPlan& plan, const std::string& dir) {
  struct stat st;
  if (stat((dir + "/plan.json").c_str(), &st) == 0)
    return Status::InvalidArgument(dir + "/plan.json already exists; choose a new directory");
  for (const std::string& d : {dir, dir + "/shards", dir + "/slurm"}) {
    Status s = MakeDir(d);
    if (!s.ok()) return s;
  }
  Status s = WriteWholeFile(dir + "/plan.json", PlanJson(plan), 0644);
  if (s.ok()) s = WriteWholeFile(dir + "/campaign.sbatch", SbatchScript(plan, dir), 0755);
  return s;
}

}  // namespace zonesim
