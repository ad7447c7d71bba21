#include "sim/cli/cli_options.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace zonesim {

namespace {

// Boost's messages ("unrecognised option", "the required argument for option
// ... is missing") in the words every zonesim command uses.
std::string Describe(const po::error& e, const std::string& command) {
  const std::string try_help = " (try 'zonesim " + command + " --help')";
  if (const auto* u = dynamic_cast<const po::unknown_option*>(&e))
    return "unknown option '" + u->get_option_name() + "'" + try_help;
  if (const auto* s = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
    if (s->kind() == po::invalid_syntax::missing_parameter) return s->get_option_name() + " needs a value";
  }
  if (const auto* m = dynamic_cast<const po::multiple_occurrences*>(&e))
    return m->get_option_name() + " is given more than once";
  if (const auto* r = dynamic_cast<const po::required_option*>(&e))
    return r->get_option_name() + " is required" + try_help;
  if (const auto* a = dynamic_cast<const po::ambiguous_option*>(&e))
    return "option '" + a->get_option_name() + "' is ambiguous" + try_help;
  return e.what() + try_help;
}

// A flag that may be given more than once (Boost's bool_switch refuses a
// repeat), as the hand-written parsers allowed: `-U -U` means -U.
class RepeatableSwitch : public po::value_semantic {
 public:
  explicit RepeatableSwitch(bool* target) : target_(target) {}
  std::string name() const override { return ""; }
  unsigned min_tokens() const override { return 0; }
  unsigned max_tokens() const override { return 0; }
  bool is_composing() const override { return false; }
  bool is_required() const override { return false; }
  void parse(boost::any& value, const std::vector<std::string>&, bool) const override { value = true; }
  bool apply_default(boost::any&) const override { return false; }
  void notify(const boost::any& value) const override {
    if (target_ && !value.empty()) *target_ = true;
  }

 private:
  bool* target_;
};

}  // namespace

CommandLine::CommandLine(std::string command, std::string help, int usage_status)
    : command_(std::move(command)), help_(std::move(help)), usage_status_(usage_status) {
  options_.add_options()("help,h", new RepeatableSwitch(nullptr), "show this help");
}

void CommandLine::AddFlag(const char* name, bool* target, const char* help) {
  Add()(name, new RepeatableSwitch(target), help);
}

void CommandLine::AddJson(bool* json) { AddFlag("json", json, "print the result as one JSON document"); }

void CommandLine::AddForceShare(bool* force_share, const char* help) { AddFlag("force-share,U", force_share, help); }

void CommandLine::AddProfile(std::string* profile, const char* help) { Add()("profile", po::value(profile), help); }

void CommandLine::AddConfig(std::string* spec, const char* help) { Add()("config", po::value(spec), help); }

std::optional<int> CommandLine::Parse(const CommandArgs& args) {
  // Operands are collected by a hidden option; without Operands() they are
  // collected anyway so that a stray word is named in the error.
  std::vector<std::string>* operands = operands_ ? operands_ : &unwanted_operands_;
  po::options_description all;
  all.add(options_);
  all.add_options()("zonesim-operand", po::value(operands));
  po::positional_options_description positional;
  positional.add("zonesim-operand", -1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm_);
    // --help wins over required options and bad values: notify() comes after.
    if (vm_.count("help")) {
      std::cout << help_;
      if (!table_caption_.empty()) {
        po::options_description table(table_caption_);
        for (const auto& option : options_.options()) table.add(option);
        std::cout << table << "\n";
      }
      return 0;
    }
    po::notify(vm_);
  } catch (const po::error& e) {
    return UsageError(Describe(e, command_));
  }
  if (!operands_ && !unwanted_operands_.empty())
    return UsageError("unexpected argument '" + unwanted_operands_.front() + "' (try 'zonesim " + command_ +
                      " --help')");
  return std::nullopt;
}

int CommandLine::UsageError(const std::string& message) const {
  return CommandError(command_, message, usage_status_);
}

int CommandError(const std::string& command, const std::string& message, int status) {
  std::fprintf(stderr, "zonesim %s: %s\n", command.c_str(), message.c_str());
  return status;
}

Status WriteOptionFile(const char* option, const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IoError("cannot write " + std::string(option) + " file '" + path + "'");
  return Status::Ok();
}

Status ParseProfileOption(const std::string& text, Profile* out) {
  const std::optional<Profile> p = profile_from_string(text);
  if (!p) return Status::InvalidArgument("unknown --profile '" + text + "' (zns, zbc or linux)");
  *out = *p;
  return Status::Ok();
}

Status ParseLayoutOption(const char* option, const std::string& text, ZonedLayout* out) {
  const std::optional<ZonedLayout> l = qcow2::ParseZonedLayout(text);
  if (!l) return Status::InvalidArgument(std::string(option) + ": '" + text + "' is not v5, v9 (latest), v11 or v12");
  *out = *l;
  return Status::Ok();
}

Status ParseCountOption(const char* option, const std::string& text, uint64_t min, uint64_t max, uint64_t* out) {
  const bool digits = !text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string::npos;
  const uint64_t n = digits ? std::stoull(text) : 0;
  if (!digits || n < min || n > max)
    return Status::InvalidArgument(std::string(option) + " '" + text + "' is not a number in range (" +
                                   std::to_string(min) + ".." + (max == UINT64_MAX ? "" : std::to_string(max)) + ")");
  *out = n;
  return Status::Ok();
}

Status ApplyConfigOption(const std::string& spec, DeviceConfig* config) {
  Status s = ApplyDeviceOptions({spec}, config);
  if (s.ok()) s = config->Validate();
  if (!s.ok()) return Status::InvalidArgument("--config: " + s.message());
  return Status::Ok();
}

}  // namespace zonesim
