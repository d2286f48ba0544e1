# trestle_add_plugin(<name> [NO_INSTALL] <sources>...)
#
# Builds a Trestle plugin: a MODULE library that sees only the SDK headers, hides every
# symbol (-fvisibility=hidden) and, through a linker version script, exports only the
# entry symbol `trestle_plugin_entry_v1`. The library is named lib<name>.so.
#
# In this tree the plugin is also installed into the runtime's plugin directory unless
# NO_INSTALL is given (test fixtures). Out of tree, install it yourself, e.g.
# install(TARGETS <name> LIBRARY DESTINATION ${TRESTLE_PLUGIN_INSTALL_DIR}).
#
# Works in this tree and, installed as part of the Trestle CMake package, in an
# out-of-tree project after find_package(Trestle).
set(_TRESTLE_PLUGIN_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(trestle_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 _tp "NO_INSTALL" "" "")
  add_library(${name} MODULE ${_tp_UNPARSED_ARGUMENTS})
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
  target_link_options(${name} PRIVATE "LINKER:--version-script=${_script}")
  # Every symbol resolved at link time, but in a clang sanitizer build of this tree
  # (cmake/TrestleSanitize.cmake), where the executable that loads the plugin provides
  # the sanitizer runtime's symbols.
  if(NOT TRESTLE_PLUGIN_ALLOW_UNDEFINED)
    target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  endif()
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${_script}")
  if(DEFINED TRESTLE_BUILD_PLUGIN_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${TRESTLE_BUILD_PLUGIN_DIR}")
    if(NOT _tp_NO_INSTALL)
      install(TARGETS ${name} LIBRARY DESTINATION ${TRESTLE_INSTALL_PLUGIN_DIR})
    endif()
  endif()
endfunction()
