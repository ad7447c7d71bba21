// zonesim: deterministic zoned-device simulator and conformance checker.
// Dispatches to one subcommand per file (sim/cli/cmd_*.cpp).
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "common/build_info.h"
#include "sim/cli/commands.h"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(const zonesim::CommandArgs&);
  const char* summary;
};

const Subcommand kSubcommands[] = {
    {"io", zonesim::RunIoCommand, "run qemu-io style zone commands on the model or an image"},
    {"demo", zonesim::RunDemoCommand, "a guided tour of the zone state machine on the model"},
    {"graph", zonesim::RunGraphCommand, "print the zone state machine (Graphviz DOT) with coverage"},
    {"create", zonesim::RunCreateCommand, "create a zoned qcow2 image (qemu-img create -o options)"},
    {"info", zonesim::RunInfoCommand, "describe a qcow2 image: geometry, zoned fields, zone counts"},
    {"fuzz", zonesim::RunFuzzCommand, "lockstep campaign: model vs a zoned qcow2 image, from a seed"},
    {"replay", zonesim::RunReplayCommand, "replay a blktrace/blkparse/fio/script trace in lockstep"},
    {"crash", zonesim::RunCrashCommand, "every crash state of a script's power losses, checked against the model"},
    {"check", zonesim::RunCheckCommand, "check qcow2 images: qcow2 structure and the zoned format (gate)"},
    {"campaign", zonesim::RunCampaignCommand, "seed-sharded fuzz campaigns: plan, run locally or on Slurm, merge"},
    {"gate", zonesim::RunGateCommand, "gate an implementation through its qemu-io: campaigns, create, stock tools"},
    {"convert", zonesim::RunConvertCommand, "rewrite a zoned image in another layout revision (data kept)"},
};

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: zonesim <command> [options]\n\ncommands:\n");
  for (const Subcommand& s : kSubcommands) std::fprintf(out, "  %-8s %s\n", s.name, s.summary);
  std::fprintf(out, "  %-8s %s\n", "version", "print the version and the build (also --version)");
  std::fprintf(out, "\n'zonesim <command> --help' describes each command.\n");
}

}  // namespace

// zonesim frees and allocates the same tables over and over: every power
// cycle of a lockstep run closes the image and reopens it, dropping and
// reloading its L2 tables and write-pointer buffers, and every read gets a
// buffer. With glibc's defaults each free shrinks the heap and each
// allocation faults fresh pages in again: at 1e6 zones that was a third of a
// fuzz campaign's time (bench/RESULTS.md "lockstep scaling"). Keep freed
// memory for reuse (up to 256 MiB at the top of the heap), and serve blocks
// below 32 MiB from the heap rather than from a fresh mapping each time.
static void TuneAllocator() {
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

int main(int argc, char** argv) {
  TuneAllocator();
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    const std::string_view v = zonesim::BuildVersion();
    std::printf("zonesim %.*s\n", static_cast<int>(v.size()), v.data());
    return 0;
  }
  for (const Subcommand& s : kSubcommands) {
    if (name != s.name) continue;
    // The last line of defence: a size the checks let through that still does
    // not fit in memory is a one-line error, never an abort.
    try {
      return s.run(zonesim::CommandArgs(argv + 2, argv + argc));
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "zonesim %s: out of memory (the image or input is too large for this machine)\n",
                   name.c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "zonesim: unknown command '%s' (try 'zonesim --help')\n", name.c_str());
  return 2;
}
