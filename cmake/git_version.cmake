# Writes OUT with SWITCHBOARD_GIT_VERSION set to `git describe` of SOURCE_DIR
# (empty outside a git tree), rewriting the file only when the text changes
# so that only config/version.cpp recompiles after a commit.
execute_process(COMMAND git -C "${SOURCE_DIR}" describe --always --dirty --tags
                OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  set(describe "")
endif()
set(text "#pragma once\n#define SWITCHBOARD_GIT_VERSION \"${describe}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUT}" "${text}")
endif()
