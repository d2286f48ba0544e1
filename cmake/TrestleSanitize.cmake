# Sanitizer builds. TRESTLE_SANITIZE chooses one:
#   OFF      no sanitizer (the default)
#   address  AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer;
#            ON means address, as it did when this option was a bool
#   thread   ThreadSanitizer
#
# The flags apply to every target of the tree, added before any part is: core, runtime,
# plugins (MODULE libraries), the testkit, test fixtures and tests alike. A finding
# stops the program (-fno-sanitize-recover), so it fails the test that ran it. Sanitizer
# builds compile at -O1 with line tables: faster to build than -O3, with stack traces
# that name file and line.
#
# Every ctest test of a sanitizer build carries the label `sanitize` (the LABELS
# directory property, which ctest also applies to tests that gtest_discover_tests finds
# at build time), and ctest runs the tests with the options of tests/sanitize/ in the
# environment (trestle_sanitize_test_environment() below): suppressions for named
# third-party library frames only, and an exit code that no Trestle command uses.
#
# Plugins loaded into a sanitized executable need no sanitizer runtime of their own: an
# uninstrumented plugin (the ABI probe, an out-of-tree plugin) loads and runs as it is.
# The in-tree plugins are instrumented; clang leaves the runtime out of shared
# libraries, so their sanitizer symbols stay undefined until the executable provides
# them, and trestle_add_plugin() drops --no-undefined in such a build (TrestlePlugin.cmake).

set(TRESTLE_SANITIZE OFF CACHE STRING "Sanitizer build: OFF, address (ASan+UBSan; ON means the same) or thread (TSan)")
set_property(CACHE TRESTLE_SANITIZE PROPERTY STRINGS OFF ON address thread)

string(TOLOWER "${TRESTLE_SANITIZE}" _trestle_sanitize)
if(_trestle_sanitize MATCHES "^(on|yes|true|1|y|address|asan)$")
  set(TRESTLE_SANITIZER address)
elseif(_trestle_sanitize MATCHES "^(thread|tsan)$")
  set(TRESTLE_SANITIZER thread)
elseif(_trestle_sanitize MATCHES "^(off|no|false|0|n|)$")
  set(TRESTLE_SANITIZER "")
else()
  message(FATAL_ERROR "TRESTLE_SANITIZE=${TRESTLE_SANITIZE}: use OFF, address (or ON) or thread")
endif()

if(TRESTLE_SANITIZER STREQUAL "address")
  set(_trestle_sanitize_flags -fsanitize=address,undefined)
elseif(TRESTLE_SANITIZER STREQUAL "thread")
  set(_trestle_sanitize_flags -fsanitize=thread)
endif()

if(TRESTLE_SANITIZER)
  message(STATUS "Sanitizer build: ${TRESTLE_SANITIZER} (${_trestle_sanitize_flags})")
  add_compile_options(${_trestle_sanitize_flags} -fno-sanitize-recover=all -fno-omit-frame-pointer -O1)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options(-gline-tables-only)
  else()
    add_compile_options(-g1)
  endif()
  add_link_options(${_trestle_sanitize_flags})
  # Read by trestle_add_plugin() (TrestlePlugin.cmake).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(TRESTLE_PLUGIN_ALLOW_UNDEFINED ON)
  endif()
endif()

# trestle_sanitize_tests(): call once, from the top directory, after testing is
# enabled and before any part is added. Labels every test of the tree `sanitize` and has ctest export the sanitizer
# options before it starts any test, so that every test and every process it starts
# (the `trestle` executable of the CLI tests and scripts) runs with them.
#
# The options are set in ctest's own environment by a file ctest reads with the top
# directory's tests, rather than through each test's ENVIRONMENT property: tests that
# gtest_discover_tests finds exist only at build time, and CMake 3.25 sets a test's
# properties only from the directory that added it. Options the caller has in the
# environment already are kept and come last, so they win.
function(trestle_sanitize_tests)
  if(NOT TRESTLE_SANITIZER)
    return()
  endif()
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY LABELS sanitize)
  set(_supp ${PROJECT_SOURCE_DIR}/tests/sanitize)
  # exitcode=86: a finding is never mistaken for one of trestle's exit codes (0, 1, 2,
  # 78), which the CLI tests check.
  set(_common "exitcode=86:halt_on_error=1")
  if(TRESTLE_SANITIZER STREQUAL "address")
    set(_options
      "ASAN_OPTIONS=${_common}:detect_leaks=1:check_initialization_order=1"
      "LSAN_OPTIONS=suppressions=${_supp}/lsan.supp"
      "UBSAN_OPTIONS=${_common}:print_stacktrace=1:suppressions=${_supp}/ubsan.supp")
  else()
    set(_options "TSAN_OPTIONS=${_common}:second_deadlock_stack=1:suppressions=${_supp}/tsan.supp")
  endif()
  set(_env "${CMAKE_BINARY_DIR}/trestle_sanitize_env.cmake")
  list(JOIN _options "\"\n  \"" _items)
  file(CONFIGURE OUTPUT ${_env} @ONLY CONTENT [=[
# Written by cmake/TrestleSanitize.cmake; ctest reads it before it runs any test.
foreach(_item IN ITEMS
  "@_items@")
  string(FIND "${_item}" "=" _eq)
  string(SUBSTRING "${_item}" 0 ${_eq} _var)
  math(EXPR _eq "${_eq} + 1")
  string(SUBSTRING "${_item}" ${_eq} -1 _value)
  if(NOT "$ENV{${_var}}" STREQUAL "")
    string(APPEND _value ":$ENV{${_var}}")
  endif()
  set(ENV{${_var}} "${_value}")
endforeach()
]=])
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY TEST_INCLUDE_FILES ${_env})
endfunction()
