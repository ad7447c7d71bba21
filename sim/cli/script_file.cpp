#include "sim/cli/script_file.h"

#include <fstream>
#include <sstream>

#include "zoned/script.h"

namespace zonesim {

Status ReadScriptFile(const std::string& path, const std::string& what, std::vector<Operation>* ops) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read " + what + " '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  Status s = ParseScript(text.str(), ops);
  if (!s.ok()) return Status::InvalidArgument(path + ": " + s.message());
  return Status::Ok();
}

Status LoadScriptFile(const std::string& path, std::string* name, std::vector<Operation>* ops) {
  if (Status s = ReadScriptFile(path, "script file", ops); !s.ok()) return s;
  const size_t slash = path.find_last_of('/');
  *name = slash == std::string::npos ? path : path.substr(slash + 1);
  return Status::Ok();
}

}  // namespace zonesim
