# The .deb: `make package` (or `cpack -G DEB` in the build directory).
# Depends: is computed by dpkg-shlibdeps from the binary's libraries; the
# maintainer scripts create the `switchboard` system user and enable the
# unit; /etc/switchboard/switchboard.ini is a conffile.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME switchboard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Switchboard")
set(CPACK_PACKAGE_CONTACT "Switchboard maintainers <switchboard@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "real-time messaging server: chat, presence and notifications over one WebSocket")
set(CPACK_PACKAGE_DESCRIPTION
    "Switchboard is a real-time messaging server you run next to your web app.\n\
A browser opens one WebSocket and attaches plugins (chat, presence,\n\
notifications) to streams; nodes share streams through Redis.")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# Install with DESTDIR so that /etc and /lib/systemd land where they belong.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not a library: the maintainer scripts create the system user with
# systemd-sysusers, or adduser where systemd is absent (a container).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd | adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
