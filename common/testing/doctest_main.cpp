// The one doctest entry point, compiled once and linked into every test
// executable (zonesim_add_test in the top CMakeLists.txt).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
