// doctest entry point for qcow2_tests (the qcow2_*_test.cpp and
// zoned_image_*_test.cpp files are compiled into one executable).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
