# Install rules. `cmake --install build --prefix P` gives:
#   P/bin/switchboard
#   P/share/switchboard/web/{demo,client}   the demo page and the client
#   P/share/doc/switchboard/                README, operations guide, changelog
#   P/etc/switchboard/switchboard.ini       the documented default config
#   P/lib/systemd/system/switchboard.service, P/lib/sysusers.d/switchboard.conf
# With the prefix /usr (the .deb), the config goes to /etc/switchboard and
# the unit to /lib/systemd/system, as Debian has them. That choice is made
# when installing (packaging/install-system-files.cmake), not here, because
# `--prefix` and CPack set the prefix only then.
install(TARGETS switchboard RUNTIME DESTINATION bin)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/web/demo DESTINATION share/switchboard/web)
install(FILES ${CMAKE_SOURCE_DIR}/web/client/switchboard.js
              ${CMAKE_SOURCE_DIR}/web/client/switchboard.d.ts
        DESTINATION share/switchboard/web/client)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/CHANGELOG.md
              ${CMAKE_SOURCE_DIR}/docs/operations.md
        DESTINATION share/doc/switchboard)
install(CODE "set(SWITCHBOARD_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
              set(SWITCHBOARD_BINARY_DIR \"${CMAKE_BINARY_DIR}\")")
install(SCRIPT ${CMAKE_SOURCE_DIR}/packaging/install-system-files.cmake)
