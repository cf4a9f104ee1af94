# Native packages: `cmake --build build --target package` (or `cd build && cpack -G DEB`).
# The .deb needs only dpkg-deb; the .rpm needs rpmbuild (Debian package `rpm`).
set(CPACK_PACKAGE_NAME "attest-agent")
set(CPACK_PACKAGE_VENDOR "attest-agent developers")
set(CPACK_PACKAGE_CONTACT "attest-agent developers <attest-agent@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Guest attestation agent and CLI for confidential VMs (TDX, SEV-SNP, CCA, vTPM, Trustee KBS)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_INSTALL_DIRECTORY "attest-agent")
set(CPACK_RESOURCE_FILE_LICENSE "${CMAKE_CURRENT_SOURCE_DIR}/LICENSE")

set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libcurl is dlopen()ed (agent/kbs/http_client.cpp), so dpkg-shlibdeps cannot see it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 (>= 7.88)")
# dpkg keeps local edits of /etc/attest-agent/config.toml across upgrades.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_CURRENT_SOURCE_DIR}/packaging/deb/conffiles")

set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Base")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)

set(CPACK_GENERATOR "DEB")
find_program(ATTEST_RPMBUILD rpmbuild)
if(ATTEST_RPMBUILD)
  list(APPEND CPACK_GENERATOR "RPM")
endif()
include(CPack)
