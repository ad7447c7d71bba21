// The version of this build of zonesim, one string for `zonesim --version` and
// for the "zonesim_version" field of every JSON report: CMake's
// project(VERSION), `git describe --always --dirty` as it was when CMake
// configured the build ("unknown" without git or a .git), and the build type,
// e.g. "0.1.0 (git 57ae3e9-dirty, RelWithDebInfo)". Fixed at configure time,
// so outputs stay byte-identical for a given build.
#pragma once

#include <string_view>

namespace zonesim {

std::string_view BuildVersion();

}  // namespace zonesim
