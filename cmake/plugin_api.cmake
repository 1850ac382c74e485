# The plugin API (include/switchboard/plugin.hpp): a header-only interface
# library, `switchboard::plugin`, in this tree and once installed:
#   P/include/switchboard/plugin.hpp
#   P/lib/cmake/switchboard/switchboard{Config,ConfigVersion,Targets}.cmake
# so that `find_package(switchboard)` builds plugins out of tree
# (examples/plugins/typing). The server itself sees the headers through
# the plugins layer (cmake/layers.cmake).
include(CMakePackageConfigHelpers)

add_library(switchboard_plugin INTERFACE)
add_library(switchboard::plugin ALIAS switchboard_plugin)
set_target_properties(switchboard_plugin PROPERTIES EXPORT_NAME plugin)
target_include_directories(switchboard_plugin INTERFACE
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
target_compile_features(switchboard_plugin INTERFACE cxx_std_17)

# The API version, read from the header: what a plugin must be built against.
file(STRINGS ${CMAKE_SOURCE_DIR}/include/switchboard/plugin.hpp api_line
     REGEX "^#define SWITCHBOARD_PLUGIN_API_VERSION [0-9]+$")
string(REGEX REPLACE ".* " "" SWITCHBOARD_PLUGIN_API_VERSION "${api_line}")

set(config_dir ${CMAKE_BINARY_DIR}/cmake-package)
file(WRITE ${config_dir}/switchboardConfig.cmake
"# find_package(switchboard): the target switchboard::plugin, to build
# Switchboard plugins as shared libraries (add_library(x MODULE ...)).
include(\"\${CMAKE_CURRENT_LIST_DIR}/switchboardTargets.cmake\")
set(switchboard_PLUGIN_API_VERSION ${SWITCHBOARD_PLUGIN_API_VERSION})
")
write_basic_package_version_file(${config_dir}/switchboardConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)

install(TARGETS switchboard_plugin EXPORT switchboardTargets)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/switchboard DESTINATION include)
install(EXPORT switchboardTargets NAMESPACE switchboard:: DESTINATION lib/cmake/switchboard)
install(FILES ${config_dir}/switchboardConfig.cmake ${config_dir}/switchboardConfigVersion.cmake
        DESTINATION lib/cmake/switchboard)
