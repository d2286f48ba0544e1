# Build time measures, no behaviour change: precompiled headers for the tree's own
# targets (clang), and the test executables compiled at -O1 (Release builds).
#
# Precompiled headers.
# Most of a build's time went into parsing the same few large headers again for every
# file (nlohmann/json.hpp and GoogleTest/GoogleMock are 2 to 4 s each at -O3, in most of
# the tree's ~430 files). Each C++ target of the tree with at least three C++
# files gets a precompiled header of its own, built with that target's own flags:
#   - every such target: a few standard headers and nlohmann/json.hpp;
#   - a target that links GoogleTest (or the core tests' main): gtest.h, and gmock.h when
#     it links GoogleMock.
# The headers are forced into each of the target's C++ files before its own includes, so
# a file that forgets an include of these still builds here; clang-tidy's include checks
# and the plugin template's own build (which has no precompiled header) catch that.
# Clang's builds only (the sanitizer builds, where it matters most): GCC 12 loses, for the
# code of a precompiled header, the mark that it comes from a system header, and then
# reports its -O3 false positives inside libstdc++ (-Wstringop-overflow in std::string)
# as the project's own warnings. -DTRESTLE_PCH=ON|OFF overrides the choice.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(_trestle_pch_default ON)
else()
  set(_trestle_pch_default OFF)
endif()
option(TRESTLE_PCH "Precompile the large common headers of each target" ${_trestle_pch_default})

function(_trestle_pch_target target)
  get_target_property(_type ${target} TYPE)
  if(NOT _type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
    return()
  endif()
  get_target_property(_sources ${target} SOURCES)
  set(_cxx 0)
  foreach(_s IN LISTS _sources)
    if(_s MATCHES "\\.(cc|cpp|cxx)$")
      math(EXPR _cxx "${_cxx} + 1")
    endif()
  endforeach()
  if(_cxx LESS 3)
    return()
  endif()
  set(_headers <string> <vector> <memory> <map> <functional> <nlohmann/json.hpp>)
  get_target_property(_links ${target} LINK_LIBRARIES)
  if(_links MATCHES "GTest::|trestle_test_main")
    list(APPEND _headers <gtest/gtest.h>)
  endif()
  if(_links MATCHES "GTest::gmock")
    list(APPEND _headers <gmock/gmock.h>)
  endif()
  list(TRANSFORM _headers PREPEND "$<$<COMPILE_LANGUAGE:CXX>:" OUTPUT_VARIABLE _for_cxx)
  list(TRANSFORM _for_cxx APPEND ">")
  target_precompile_headers(${target} PRIVATE ${_for_cxx})
endfunction()

# The test executables (targets named *_test) at -O1 rather than Release's -O3: they
# were more than half of a Release build's compile time, and what they test (the
# libraries, plugins and the executable) keeps -O3. Benchmarks are not *_test targets.
function(_trestle_test_optimisation target)
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "EXECUTABLE" AND target MATCHES "_test$" AND CMAKE_BUILD_TYPE STREQUAL "Release"
     AND NOT TRESTLE_SANITIZER)  # sanitizer builds compile everything at -O1 already
    target_compile_options(${target} PRIVATE -O1)
  endif()
endfunction()

function(_trestle_build_time_directory dir)
  get_property(_targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(_t IN LISTS _targets)
    if(TRESTLE_PCH)
      _trestle_pch_target(${_t})
    endif()
    _trestle_test_optimisation(${_t})
  endforeach()
  get_property(_subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(_d IN LISTS _subdirs)
    _trestle_build_time_directory(${_d})
  endforeach()
endfunction()

# Call once, from the top directory, after every part is added.
function(trestle_build_time_measures)
  _trestle_build_time_directory(${PROJECT_SOURCE_DIR})
endfunction()
