# Checks that the build refuses upward includes (docs/ARCHITECTURE.md,
# "Layers"): for every layer, a header of each folder it may use must be
# found through that layer's include path, and a header of every other
# folder must not. Run by CTest as `layers`:
#   cmake -DCXX=<compiler> -DLAYERS=<build>/layers -DSOURCE=<source dir> -P check_layers.cmake
set(allowed_core core)
set(allowed_config core config)
set(allowed_net core config net)
set(allowed_redis core config redis)
set(allowed_plugins core plugins)
set(allowed_actors core config net redis plugins actors)
set(folders core config net redis plugins actors)

set(failures 0)
foreach(layer ${folders})
  set(flags)
  foreach(dep ${allowed_${layer}})
    list(APPEND flags -I${LAYERS}/${dep})
  endforeach()
  foreach(folder ${folders})
    # The folder's smallest header: the check is about finding it, and a
    # small one pulls in little.
    file(GLOB headers RELATIVE ${SOURCE} ${SOURCE}/${folder}/*.hpp)
    set(header "")
    set(smallest 0)
    foreach(candidate ${headers})
      file(SIZE ${SOURCE}/${candidate} size)
      if(header STREQUAL "" OR size LESS smallest)
        set(header ${candidate})
        set(smallest ${size})
      endif()
    endforeach()
    set(probe ${CMAKE_CURRENT_BINARY_DIR}/layer_probe.cpp)
    file(WRITE ${probe} "#include \"${header}\"\n")
    execute_process(COMMAND ${CXX} -std=c++17 -E ${flags} ${probe} -o /dev/null
                    RESULT_VARIABLE failed OUTPUT_QUIET ERROR_QUIET)
    list(FIND allowed_${layer} ${folder} index)
    if(index GREATER -1 AND failed)
      message(SEND_ERROR "${layer}/ cannot include ${header}, which it may use")
      math(EXPR failures "${failures} + 1")
    elseif(index EQUAL -1 AND NOT failed)
      message(SEND_ERROR "${layer}/ can include ${header}: an upward include would build")
      math(EXPR failures "${failures} + 1")
    endif()
  endforeach()
endforeach()
if(failures EQUAL 0)
  message(STATUS "every layer sees exactly the folders below it")
endif()
