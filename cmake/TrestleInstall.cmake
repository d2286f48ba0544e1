# Installs the runtime, the SDK headers and the CMake package `Trestle`.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/trestle
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS trestle_sdk EXPORT TrestleTargets)
install(EXPORT TrestleTargets NAMESPACE Trestle:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Trestle)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/TrestleConfig.cmake.in
  ${PROJECT_BINARY_DIR}/TrestleConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Trestle
  PATH_VARS TRESTLE_INSTALL_PLUGIN_DIR)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/TrestleConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/TrestleConfig.cmake
  ${PROJECT_BINARY_DIR}/TrestleConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/TrestlePlugin.cmake
  ${PROJECT_SOURCE_DIR}/cmake/trestle_plugin.map
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Trestle)
