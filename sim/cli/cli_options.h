// How every zonesim command reads its command line: one Boost.Program_options
// parser wrapped so that --help, operands (IMAGE, DIR, ...), and the usage
// errors look the same in every command. A command file builds one
// CommandLine in its Parse<Name>Options, adds its options, calls Parse, and
// turns the strings into its options struct (sim/cli/README.md shows the
// whole shape).
//
// Usage errors are one line on stderr, "zonesim CMD: <message>", and the
// command's usage exit status (2; `check` uses 1, as qemu-img check does).
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "qcow2/storage/zoned_extension.h"
#include "sim/cli/commands.h"
#include "zoned/device_config.h"

namespace zonesim {

constexpr int kExitUsage = 2;

// What a Parse<Name>Options returns: the command's options, or the exit
// status to stop with at once because the parse already printed what was
// asked for (--help: 0) or a usage error (the command's usage status).
template <typename Options>
struct Parsed {
  Options options;
  std::optional<int> exit;  // set: stop, return this status

  static Parsed Stop(int status) {
    Parsed p;
    p.exit = status;
    return p;
  }
};

class CommandLine {
 public:
  // command: the word after `zonesim` (for messages); help: what --help
  // prints. --help and -h are always options.
  CommandLine(std::string command, std::string help, int usage_status = kExitUsage);

  // Adds options: Add()("name,n", boost::program_options::value(&x), "help")...
  boost::program_options::options_description_easy_init Add() { return options_.add_options(); }
  // A flag ("name" or "name,n"): *target becomes true when given (repeating
  // it is harmless). Use this rather than bool_switch, which refuses a repeat.
  void AddFlag(const char* name, bool* target, const char* help);
  // The flags and values several commands share, spelt alike everywhere.
  void AddJson(bool* json);                          // --json
  void AddForceShare(bool* force_share,              // -U, --force-share
                     const char* help = "open an image another process holds (QEMU's -U)");
  void AddProfile(std::string* profile, const char* help);  // --profile zns|zbc|linux
  void AddConfig(std::string* spec, const char* help);      // --config SPEC

  // The words that are not options (IMAGE, SRC DST, DIR ...) go to *out in
  // order. Without this call a command takes none and a stray word is a
  // usage error naming it.
  void Operands(std::vector<std::string>* out) { operands_ = out; }

  // The options table itself, for helpers that add a group of options to
  // any command (sim/cli/dut_options.h: AddDutOptions(&cl.options(), ...)).
  boost::program_options::options_description& options() { return options_; }

  // --help prints the help text, then the options table under `caption`
  // (for commands whose help text does not describe every option itself).
  void ListOptionsInHelp(std::string caption) { table_caption_ = std::move(caption); }

  // Parses args. nullopt: go on. Otherwise the exit status: 0 after printing
  // --help, the usage status after printing a usage error (an unknown option,
  // a missing value, a value of the wrong type, an option given twice, a
  // stray word).
  std::optional<int> Parse(const CommandArgs& args);

  // Whether the option was on the command line (after Parse).
  bool Given(const char* name) const { return vm_.count(name) > 0 && !vm_[name].defaulted(); }

  // Prints "zonesim CMD: message" to stderr; returns the usage status.
  int UsageError(const std::string& message) const;
  // For a Parse<Name>Options: the same, as the Parsed that stops the command.
  template <typename Options>
  Parsed<Options> Stop(const std::string& message) const {
    return Parsed<Options>::Stop(UsageError(message));
  }

  const std::string& command() const { return command_; }
  int usage_status() const { return usage_status_; }

 private:
  std::string command_;
  std::string help_;
  int usage_status_;
  boost::program_options::options_description options_;
  std::vector<std::string>* operands_ = nullptr;
  std::vector<std::string> unwanted_operands_;
  std::string table_caption_;
  boost::program_options::variables_map vm_;
};

// Prints "zonesim CMD: message" to stderr and returns `status`: for errors
// after parsing (a file that cannot be read, a failed run).
int CommandError(const std::string& command, const std::string& message, int status);

// Writes text to the file an output option names (--junit FILE): IoError
// "cannot write --junit file 'FILE'" when it cannot.
Status WriteOptionFile(const char* option, const std::string& path, const std::string& text);

// Value checks several commands share; the messages name the option and the
// choices. InvalidArgument otherwise.
Status ParseProfileOption(const std::string& text, Profile* out);  // --profile
Status ParseLayoutOption(const char* option, const std::string& text, ZonedLayout* out);
// A whole number in [min, max] (decimal digits only, so "-5" is refused
// rather than wrapped).
Status ParseCountOption(const char* option, const std::string& text, uint64_t min, uint64_t max, uint64_t* out);
// --config SPEC over *config (device options and model parameters), then
// the result validated.
Status ApplyConfigOption(const std::string& spec, DeviceConfig* config);

}  // namespace zonesim
