# trestle_add_plugin(<name> <sources>...)
#
# Builds a Trestle plugin: a MODULE library that sees only the SDK headers, hides every
# symbol (-fvisibility=hidden) and, through a linker version script, exports only the
# entry symbol `trestle_plugin_entry_v1`. The library is named lib<name>.so.
#
# Works in this tree and, installed as part of the Trestle CMake package, in an
# out-of-tree project after find_package(Trestle).
set(_TRESTLE_PLUGIN_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(trestle_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  if(TARGET Trestle::sdk)
    target_link_libraries(${name} PRIVATE Trestle::sdk)
  else()
    target_link_libraries(${name} PRIVATE trestle_sdk)
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  set(_script "${_TRESTLE_PLUGIN_CMAKE_DIR}/trestle_plugin.map")
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${_script}" "LINKER:--no-undefined")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${_script}")
  if(DEFINED TRESTLE_BUILD_PLUGIN_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${TRESTLE_BUILD_PLUGIN_DIR}")
  endif()
endfunction()
