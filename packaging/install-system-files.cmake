# Runs at install time (cmake --install, CPack): installs the config file,
# the systemd unit and the sysusers.d entry where the prefix wants them.
# Prefix /usr is a system install (the .deb): /etc and /lib/systemd. Any
# other prefix keeps everything under it, so a tarball runs from anywhere.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc_dir "/etc/switchboard")
  set(unit_dir "/lib/systemd/system")
  set(sysusers_dir "/usr/lib/sysusers.d")
else()
  set(etc_dir "${CMAKE_INSTALL_PREFIX}/etc/switchboard")
  set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  set(sysusers_dir "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d")
endif()
set(SWITCHBOARD_EXECUTABLE "${CMAKE_INSTALL_PREFIX}/bin/switchboard")
set(SWITCHBOARD_CONFIG "${etc_dir}/switchboard.ini")
set(SWITCHBOARD_DOC "${CMAKE_INSTALL_PREFIX}/share/doc/switchboard/operations.md")
set(generated "${SWITCHBOARD_BINARY_DIR}/packaging")
configure_file("${SWITCHBOARD_SOURCE_DIR}/packaging/switchboard.service.in"
               "${generated}/switchboard.service" @ONLY)
file(INSTALL DESTINATION "${etc_dir}" TYPE FILE
     FILES "${SWITCHBOARD_SOURCE_DIR}/config/switchboard.ini")
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${generated}/switchboard.service")
file(INSTALL DESTINATION "${sysusers_dir}" TYPE FILE
     RENAME switchboard.conf FILES "${SWITCHBOARD_SOURCE_DIR}/packaging/switchboard.sysusers")
