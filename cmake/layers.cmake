# The source folders as layers, each a static library that sees only itself
# and the layers below it (docs/ARCHITECTURE.md, "Layers"):
#
#   core  <-  config  <-  net, redis, plugins  <-  actors
#
# A layer's include path holds one symbolic link per folder it may use
# (build/layers/<folder>/<folder> -> the source folder), never the source
# root, so `#include "net/..."` in core/ or redis/ does not compile.

# Every library and the tests share one precompiled header (CAF, Beast and
# json dominate compile time on two cores); REUSE_FROM needs the same flags,
# hence the definitions for everyone.
add_compile_definitions(BOOST_BEAST_USE_STD_STRING_VIEW BOOST_ASIO_NO_DEPRECATED)
file(WRITE ${CMAKE_BINARY_DIR}/layers/pch.cpp "// the shared precompiled header\n")
add_library(sb_pch STATIC ${CMAKE_BINARY_DIR}/layers/pch.cpp)
target_include_directories(sb_pch PUBLIC ${CAF_INCLUDE_DIR})
target_link_libraries(sb_pch PUBLIC Boost::boost nlohmann_json::nlohmann_json)
target_precompile_headers(sb_pch PRIVATE
  <caf/all.hpp> <boost/beast/core.hpp> <boost/beast/http.hpp>
  <boost/beast/websocket.hpp> <boost/asio.hpp> <nlohmann/json.hpp>
  <string> <vector> <memory> <unordered_map>)

# switchboard_layer(<folder> [DEPENDS <layers>...] [LIBS <libraries>...])
function(switchboard_layer folder)
  cmake_parse_arguments(L "" "" "DEPENDS;LIBS" ${ARGN})
  set(root ${CMAKE_BINARY_DIR}/layers/${folder})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${folder}/*.cpp)
  list(REMOVE_ITEM sources ${CMAKE_SOURCE_DIR}/actors/main.cpp)
  add_library(sb_${folder} STATIC ${sources})
  target_include_directories(sb_${folder} PUBLIC ${root})
  set(deps)
  foreach(dep ${L_DEPENDS})
    list(APPEND deps sb_${dep})
  endforeach()
  target_link_libraries(sb_${folder} PUBLIC ${deps} ${L_LIBS} sb_pch)
  target_precompile_headers(sb_${folder} REUSE_FROM sb_pch)
endfunction()

switchboard_layer(core
  LIBS ${CAF_IO_LIBRARY} ${CAF_CORE_LIBRARY} Threads::Threads)
switchboard_layer(config DEPENDS core
  LIBS OpenSSL::SSL OpenSSL::Crypto PkgConfig::LIBJWT)
switchboard_layer(net DEPENDS core config
  LIBS PkgConfig::LIBJWT OpenSSL::Crypto)
if(SWITCHBOARD_IO_URING)
  target_link_libraries(sb_net PUBLIC PkgConfig::LIBURING)
endif()
switchboard_layer(redis DEPENDS core config
  LIBS ${HIREDIS_LIBRARY} OpenSSL::Crypto)
target_include_directories(sb_redis PUBLIC ${HIREDIS_INCLUDE_DIR})
switchboard_layer(plugins DEPENDS core LIBS ${CMAKE_DL_LIBS})
# The public plugin API (include/switchboard): plugins/ hosts what it declares.
target_include_directories(sb_plugins PUBLIC ${CMAKE_SOURCE_DIR}/include)
switchboard_layer(actors DEPENDS core config net redis plugins
  LIBS ${CAF_OPENSSL_LIBRARY})

# --version: the project version, `git describe` (regenerated each build,
# rewritten only when it changes) and the libraries' versions.
set(GIT_VERSION_HEADER ${CMAKE_BINARY_DIR}/generated/switchboard_git_version.hpp)
add_custom_target(git_version
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUT=${GIT_VERSION_HEADER}
          -P ${CMAKE_SOURCE_DIR}/cmake/git_version.cmake
  BYPRODUCTS ${GIT_VERSION_HEADER}
  COMMENT "git describe")
add_dependencies(sb_config git_version)
target_include_directories(sb_config PRIVATE ${CMAKE_BINARY_DIR}/generated ${HIREDIS_INCLUDE_DIR})
set_source_files_properties(${CMAKE_SOURCE_DIR}/config/version.cpp PROPERTIES
  COMPILE_DEFINITIONS "SWITCHBOARD_VERSION=\"${PROJECT_VERSION}\";SWITCHBOARD_LIBJWT_VERSION=\"${LIBJWT_VERSION}\""
  SKIP_PRECOMPILE_HEADERS ON)
