# Boot-time integration (packaging/boot): the clevis pin against the test KBS, LUKS bind/unlock
# on a loop device, the initramfs hook, the attest-fetch@ unit, and the pod manifests.
# Included from tests/CMakeLists.txt (CMAKE_CURRENT_LIST_DIR is tests/integration).
set(ATTEST_BOOT_TESTS ${CMAKE_CURRENT_LIST_DIR}/boot)
get_filename_component(ATTEST_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR}/../../packaging ABSOLUTE)
# The same interpreter and test KBS as testkbs.cmake (included after this file).
get_filename_component(ATTEST_TEST_KBS_DIR ${CMAKE_CURRENT_LIST_DIR}/../kbs ABSOLUTE)
find_program(ATTEST_KBS_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)

add_test(NAME boot_clevis_pin
         COMMAND bash ${ATTEST_BOOT_TESTS}/clevis_pin_test.sh $<TARGET_FILE:attest-cli>
                 ${ATTEST_KBS_PYTHON} ${ATTEST_TEST_KBS_DIR} ${ATTEST_PACKAGING_DIR}/boot/clevis)
set_tests_properties(boot_clevis_pin PROPERTIES TIMEOUT 300 LABELS boot)

foreach(luks_mode bind unlock)
  add_test(NAME boot_clevis_luks_${luks_mode}
           COMMAND bash ${ATTEST_BOOT_TESTS}/clevis_luks_test.sh ${luks_mode}
                   $<TARGET_FILE:attest-cli> ${ATTEST_KBS_PYTHON} ${ATTEST_TEST_KBS_DIR}
                   ${ATTEST_PACKAGING_DIR}/boot/clevis)
  # 77: the machine cannot do it (no loop devices, no device-mapper); ctest reports "Skipped".
  set_tests_properties(boot_clevis_luks_${luks_mode} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
                       LABELS boot RUN_SERIAL TRUE)
endforeach()

add_test(NAME boot_fetch_unit
         COMMAND bash ${ATTEST_BOOT_TESTS}/fetch_unit_test.sh
                 ${ATTEST_PACKAGING_DIR}/boot/systemd/attest-fetch@.service
                 $<TARGET_FILE:attest-cli> ${ATTEST_KBS_PYTHON} ${ATTEST_TEST_KBS_DIR})
set_tests_properties(boot_fetch_unit PROPERTIES TIMEOUT 300 LABELS boot)

# The hook test runs the copied attest-cli inside the image with chroot, where /proc is absent:
# an ASan binary cannot read its own maps there and reports false stack errors (it says so
# itself). So it runs in the normal build, where the binary is the one an initramfs ships.
if(NOT ATTEST_SANITIZE)
  add_test(NAME boot_initramfs_hook
           COMMAND bash ${ATTEST_BOOT_TESTS}/initramfs_hook_test.sh
                   ${ATTEST_PACKAGING_DIR}/boot/initramfs-tools/hooks/attest-agent
                   $<TARGET_FILE:attest-cli> ${ATTEST_PACKAGING_DIR}/boot/clevis)
  set_tests_properties(boot_initramfs_hook PROPERTIES TIMEOUT 120 LABELS boot)
endif()

add_test(NAME boot_k8s_manifests
         COMMAND ${ATTEST_KBS_PYTHON} ${ATTEST_BOOT_TESTS}/k8s_manifests_test.py
                 ${CMAKE_CURRENT_LIST_DIR}/../..)
set_tests_properties(boot_k8s_manifests PROPERTIES TIMEOUT 60 LABELS boot
                     ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1")
