# Boot-time integration (included from the top-level CMakeLists.txt): the attest-fetch@ unit,
# the clevis pin "attest", the initramfs-tools hook and script, and the dracut module.
# The paths are absolute where the consumer looks there whatever the prefix (initramfs-tools,
# dracut); a packager may override them. The unit directory is packaging/install.cmake's
# ATTEST_SYSTEMD_UNITDIR (included first): one setting for every unit.
set(ATTEST_INITRAMFS_TOOLS_DIR "/usr/share/initramfs-tools" CACHE PATH "initramfs-tools directory")
set(ATTEST_DRACUT_MODULES_DIR "/usr/lib/dracut/modules.d" CACHE PATH "dracut module directory")
set(boot_dir ${CMAKE_CURRENT_LIST_DIR})
set(boot_exec_perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                    WORLD_EXECUTE)

install(FILES ${boot_dir}/systemd/attest-fetch@.service DESTINATION ${ATTEST_SYSTEMD_UNITDIR})
# clevis finds a pin as clevis-{en,de}crypt-<pin> in PATH; the shared functions sit beside them,
# as clevis's own clevis-luks-common-functions does.
install(PROGRAMS ${boot_dir}/clevis/clevis-encrypt-attest ${boot_dir}/clevis/clevis-decrypt-attest
        DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${boot_dir}/clevis/clevis-attest-common DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${boot_dir}/initramfs-tools/hooks/attest-agent
        DESTINATION ${ATTEST_INITRAMFS_TOOLS_DIR}/hooks PERMISSIONS ${boot_exec_perms})
install(FILES ${boot_dir}/initramfs-tools/scripts/local-top/attest-agent
        DESTINATION ${ATTEST_INITRAMFS_TOOLS_DIR}/scripts/local-top PERMISSIONS ${boot_exec_perms})
install(FILES ${boot_dir}/dracut/60attest-agent/module-setup.sh
        DESTINATION ${ATTEST_DRACUT_MODULES_DIR}/60attest-agent PERMISSIONS ${boot_exec_perms})
