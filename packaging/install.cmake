# What the native packages ship besides the binaries, in one place: debian/rules and the RPM
# spec both run `cmake --install`, so a file added here lands in both packages.
find_package(PkgConfig REQUIRED)
pkg_get_variable(ATTEST_PC_UNITDIR systemd systemdsystemunitdir)
pkg_get_variable(ATTEST_PC_SYSUSERSDIR systemd sysusersdir)
pkg_get_variable(ATTEST_PC_TMPFILESDIR systemd tmpfilesdir)
pkg_get_variable(ATTEST_PC_COMPLETIONSDIR bash-completion completionsdir)
# Where the distribution's systemd looks (Debian 12: /lib/systemd/system; Fedora: /usr/lib/...).
set(ATTEST_SYSTEMD_UNITDIR "${ATTEST_PC_UNITDIR}" CACHE PATH "systemd system unit directory")
set(ATTEST_SYSUSERSDIR "${ATTEST_PC_SYSUSERSDIR}" CACHE PATH "sysusers.d directory")
set(ATTEST_TMPFILESDIR "${ATTEST_PC_TMPFILESDIR}" CACHE PATH "tmpfiles.d directory")
set(ATTEST_BASH_COMPLETIONSDIR "${ATTEST_PC_COMPLETIONSDIR}" CACHE PATH "bash completions directory")
foreach(dir ATTEST_SYSTEMD_UNITDIR ATTEST_SYSUSERSDIR ATTEST_TMPFILESDIR ATTEST_BASH_COMPLETIONSDIR)
  if(NOT ${dir})
    message(FATAL_ERROR "${dir} is unknown (no systemd/bash-completion .pc file): pass -D${dir}=PATH")
  endif()
endforeach()

set(ATTEST_PKG ${CMAKE_CURRENT_LIST_DIR})
install(FILES ${ATTEST_PKG}/systemd/attest-agent.service ${ATTEST_PKG}/systemd/attest-agent.socket
              ${ATTEST_PKG}/systemd/attest-agent-credentials.socket DESTINATION ${ATTEST_SYSTEMD_UNITDIR})
install(FILES ${ATTEST_PKG}/systemd/sysusers.conf DESTINATION ${ATTEST_SYSUSERSDIR}
        RENAME attest-agent.conf)
install(FILES ${ATTEST_PKG}/systemd/tmpfiles.conf DESTINATION ${ATTEST_TMPFILESDIR}
        RENAME attest-agent.conf)
install(FILES ${ATTEST_PKG}/man/attest-cli.1 ${ATTEST_PKG}/man/clevis-encrypt-attest.1
              ${ATTEST_PKG}/man/clevis-decrypt-attest.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${ATTEST_PKG}/man/attest-agent.toml.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${ATTEST_PKG}/man/attest-agent.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${ATTEST_PKG}/completion/attest-cli DESTINATION ${ATTEST_BASH_COMPLETIONSDIR})
# One completion serves both programs (it reads each one's --help); bash-completion looks it up
# by command name, so attest-agent is a link to it.
cmake_path(ABSOLUTE_PATH ATTEST_BASH_COMPLETIONSDIR BASE_DIRECTORY ${CMAKE_INSTALL_PREFIX}
           OUTPUT_VARIABLE ATTEST_COMPLETIONS_ABS)
install(CODE "file(CREATE_LINK attest-cli \"\$ENV{DESTDIR}${ATTEST_COMPLETIONS_ABS}/attest-agent\" SYMBOLIC)")
