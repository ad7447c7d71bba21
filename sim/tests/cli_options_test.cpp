// Every command reads its options the same way (sim/cli/cli_options.h): the
// same one-line usage errors in the same words, --help exiting 0, flags that
// may be repeated. Runs the built binary.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/tests/zonesim_binary.h"

namespace zonesim {
namespace {

using testing::RunZonesim;
using testing::ZonesimRun;

struct Command {
  std::vector<std::string> words;  // "campaign plan" is two
  const char* name;                // as errors name it
  int usage_status;
};

const Command kCommands[] = {
    {{"check"}, "check", 1},  // as qemu-img check
    {{"info"}, "info", 2},     {{"convert"}, "convert", 2},
    {{"create"}, "create", 2}, {{"graph"}, "graph", 2},
    {{"demo"}, "demo", 2},     {{"io"}, "io", 2},
    {{"gate"}, "gate", 2},     {{"campaign", "plan"}, "campaign", 2},
    {{"campaign", "merge"}, "campaign", 2},
    {{"fuzz"}, "fuzz", 2},     {{"replay"}, "replay", 2},
};

std::vector<std::string> With(const Command& c, std::vector<std::string> rest) {
  std::vector<std::string> args = c.words;
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

bool OneLine(const std::string& s) { return std::count(s.begin(), s.end(), '\n') == 1 && s.back() == '\n'; }

TEST_CASE("cli options: every command names an unknown option alike, on one line") {
  for (const Command& c : kCommands) {
    CAPTURE(c.name);
    const ZonesimRun r = RunZonesim(With(c, {"--frobnicate"}));
    CHECK(r.status == c.usage_status);
    CHECK(r.out.empty());
    CHECK(OneLine(r.err));
    CHECK(r.err == std::string("zonesim ") + c.name + ": unknown option '--frobnicate' (try 'zonesim " + c.name +
                       " --help')\n");
  }
}

TEST_CASE("cli options: --help and -h exit 0 with the usage on stdout") {
  for (const Command& c : kCommands) {
    CAPTURE(c.name);
    for (const char* help : {"--help", "-h"}) {
      const ZonesimRun r = RunZonesim(With(c, {help}));
      CHECK(r.status == 0);
      CHECK(r.out.find("usage: zonesim ") != std::string::npos);
      CHECK(r.err.empty());
    }
  }
}

TEST_CASE("cli options: a missing value, a repeated value, a stray word") {
  ZonesimRun r = RunZonesim({"convert", "a", "b", "--layout"});
  CHECK(r.status == 2);
  CHECK(r.err == "zonesim convert: --layout needs a value\n");
  r = RunZonesim({"check", "x", "--expect-layout"});
  CHECK(r.status == 1);
  CHECK(r.err == "zonesim check: --expect-layout needs a value\n");
  r = RunZonesim({"convert", "--layout", "v5", "--layout", "v9", "a", "b"});
  CHECK(r.status == 2);
  CHECK(r.err == "zonesim convert: --layout is given more than once\n");
  r = RunZonesim({"graph", "extra"});
  CHECK(r.status == 2);
  CHECK(r.err == "zonesim graph: unexpected argument 'extra' (try 'zonesim graph --help')\n");
  r = RunZonesim({"demo", "extra"});
  CHECK(r.status == 2);
  CHECK(OneLine(r.err));
  CHECK(r.err.find("'extra'") != std::string::npos);
}

TEST_CASE("cli options: --profile is checked with the same words everywhere") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"graph", "--profile", "nvme"},
        std::vector<std::string>{"io", "x.qcow2", "--profile", "nvme", "-c", "zrp 0 1"},
        std::vector<std::string>{"check", "x.qcow2", "--profile", "nvme"},
        std::vector<std::string>{"fuzz", "--profile", "nvme"},
        std::vector<std::string>{"replay", "x.iolog", "--profile", "nvme"}}) {
    CAPTURE(args[0]);
    const ZonesimRun r = RunZonesim(args);
    CHECK(r.status == (args[0] == "check" ? 1 : 2));
    CHECK(r.err == "zonesim " + args[0] + ": unknown --profile 'nvme' (zns, zbc or linux)\n");
  }
}

TEST_CASE("cli options: fuzz and replay refuse a bad option like the other commands") {
  struct Bad {
    std::vector<std::string> args;
    std::string message;  // the whole line, or (ending in "*") how it starts
  };
  const std::vector<Bad> cases = {
      {{"fuzz", "--ops", "many"}, "zonesim fuzz: --ops 'many' is not a number of operations (0 .. 2^64-1)\n"},
      {{"fuzz", "--ops", "-5"}, "zonesim fuzz: --ops '-5' is not a number of operations (0 .. 2^64-1)\n"},
      {{"fuzz", "--seed", "x1"}, "zonesim fuzz: the argument ('x1') for option '--seed' is invalid*"},
      {{"fuzz", "--ops"}, "zonesim fuzz: --ops needs a value\n"},
      {{"fuzz", "--seed", "1", "--seed", "2"}, "zonesim fuzz: --seed is given more than once\n"},
      {{"fuzz", "extra"}, "zonesim fuzz: unexpected argument 'extra' (try 'zonesim fuzz --help')\n"},
      {{"replay", "x.iolog", "--seed", "x1"}, "zonesim replay: the argument ('x1') for option '--seed' is invalid*"},
      {{"replay", "x.iolog", "--ops", "5"}, "zonesim replay: unknown option '--ops' (try 'zonesim replay --help')\n"},
      {{"replay", "x.iolog", "--quote"}, "zonesim replay: --quote needs a value\n"},
      {{"replay", "--json"}, "zonesim replay: missing TRACE (try 'zonesim replay --help')\n"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.message);
    const ZonesimRun r = RunZonesim(b.args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(OneLine(r.err));
    if (b.message.back() == '*')
      CHECK(r.err.rfind(b.message.substr(0, b.message.size() - 1), 0) == 0);
    else
      CHECK(r.err == b.message);
  }
}

TEST_CASE("cli options: fuzz and replay --help list their options and run nothing") {
  for (const char* command : {"fuzz", "replay"}) {
    CAPTURE(command);
    // -h stops before fuzz runs a campaign and before replay misses its TRACE.
    const ZonesimRun r = RunZonesim({command, "--json", "-h"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out.rfind(std::string("usage: zonesim ") + command, 0) == 0);
    CHECK(r.out.find("\noptions:\n") != std::string::npos);
    CHECK(r.out.find("--seed arg (=1)") != std::string::npos);
    CHECK(r.out.find("--qemu-io") != std::string::npos);
  }
}

TEST_CASE("cli options: a flag may be repeated") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string img = dir.File("a.qcow2");
  REQUIRE(RunZonesim({"create", img, "-o", "size=8M,zone.size=1M", "-f", "-f"}).status == 0);
  const ZonesimRun once = RunZonesim({"info", "--json", img});
  const ZonesimRun twice = RunZonesim({"info", "--json", "--json", img});
  CHECK(once.status == 0);
  CHECK(twice.status == 0);
  CHECK(twice.out == once.out);
  CHECK(RunZonesim({"check", "-U", "--force-share", img}).status == 0);
}

}  // namespace
}  // namespace zonesim
