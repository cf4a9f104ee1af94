# Packaging checks that need no package build (seconds each). The .deb/.rpm themselves are built
# by scripts/package and checked by check_deb.sh in a separate step of scripts/test: a full
# dpkg-buildpackage compiles the project again, too slow for every ctest run.
get_filename_component(ATTEST_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR}/../../packaging ABSOLUTE)

find_program(ATTEST_SYSTEMD_ANALYZE systemd-analyze)
if(ATTEST_SYSTEMD_ANALYZE)
  add_test(NAME packaging_systemd_units
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_units.sh ${ATTEST_PACKAGING_DIR}/systemd
                   ${ATTEST_PACKAGING_DIR}/boot/systemd ${ATTEST_PACKAGING_DIR}/config.toml)
else()
  message(WARNING "systemd-analyze not found: packaging_systemd_units fails (install systemd)")
  add_test(NAME packaging_systemd_units COMMAND false)
endif()

set(ATTEST_MAN_CHECK_ARGS ${ATTEST_PACKAGING_DIR}/man ${ATTEST_PACKAGING_DIR}/config.toml
                          $<TARGET_FILE:attest-cli>)
if(TARGET attest-agent)
  list(APPEND ATTEST_MAN_CHECK_ARGS $<TARGET_FILE:attest-agent>)
endif()
find_program(ATTEST_PYTHON3 python3 REQUIRED)  # the standard library is enough here
add_test(NAME packaging_man_pages
         COMMAND ${ATTEST_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_man.py ${ATTEST_MAN_CHECK_ARGS})

add_test(NAME packaging_bash_completion
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/check_completion.sh
                 ${ATTEST_PACKAGING_DIR}/completion/attest-cli $<TARGET_FILE:attest-cli>
                 $<TARGET_FILE:attest-agent>)

set_tests_properties(packaging_systemd_units packaging_man_pages packaging_bash_completion
                     PROPERTIES LABELS packaging TIMEOUT 120)

# The completion check itself must catch a gap: a copy of the completion whose option list lost
# --check-config fails it.
file(READ ${ATTEST_PACKAGING_DIR}/completion/attest-cli ATTEST_COMPLETION)
string(REPLACE "s && /^  -/{gsub" "s && /^  -/ && !/--check-config/{gsub" ATTEST_COMPLETION_GAP
       "${ATTEST_COMPLETION}")
if(ATTEST_COMPLETION_GAP STREQUAL ATTEST_COMPLETION)
  message(FATAL_ERROR "packaging_bash_completion_gap_detected: the option pattern moved; update it")
endif()
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/completion-gap/attest-cli "${ATTEST_COMPLETION_GAP}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${ATTEST_PACKAGING_DIR}/completion/attest-cli)
add_test(NAME packaging_bash_completion_gap_detected
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/check_completion.sh
                 ${CMAKE_CURRENT_BINARY_DIR}/completion-gap/attest-cli $<TARGET_FILE:attest-cli>
                 $<TARGET_FILE:attest-agent>)
set_tests_properties(packaging_bash_completion_gap_detected PROPERTIES LABELS packaging TIMEOUT 120
  PASS_REGULAR_EXPRESSION "does not offer --check-config \\(attest-agent --help lists it\\)")

# The man-page check itself must catch a gap: a copy of attest-cli(1) without --base64 fails it.
file(READ ${ATTEST_PACKAGING_DIR}/man/attest-cli.1 ATTEST_MAN_CLI)
string(REPLACE "\\-\\-base64" "base64" ATTEST_MAN_CLI_GAP "${ATTEST_MAN_CLI}")
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/man-gap)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/man-gap/attest-cli.1 "${ATTEST_MAN_CLI_GAP}")
file(COPY ${ATTEST_PACKAGING_DIR}/man/attest-agent.8 ${ATTEST_PACKAGING_DIR}/man/attest-agent.toml.5
     DESTINATION ${CMAKE_CURRENT_BINARY_DIR}/man-gap)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ATTEST_PACKAGING_DIR}/man/attest-cli.1)
add_test(NAME packaging_man_pages_gap_detected
         COMMAND ${ATTEST_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_man.py
                 ${CMAKE_CURRENT_BINARY_DIR}/man-gap ${ATTEST_PACKAGING_DIR}/config.toml
                 $<TARGET_FILE:attest-cli>)
set_tests_properties(packaging_man_pages_gap_detected PROPERTIES LABELS packaging TIMEOUT 120
  PASS_REGULAR_EXPRESSION "section \"attest-cli get-resource\" lacks --base64")

# ... and a stale option: a copy of attest-cli(1) that documents an option no --help has fails.
string(REPLACE ".SS \"attest-cli inspect\"" ".TP\n.B \\-\\-no\\-such\\-option\nStale.\n.SS \"attest-cli inspect\""
       ATTEST_MAN_CLI_STALE "${ATTEST_MAN_CLI}")
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/man-stale)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/man-stale/attest-cli.1 "${ATTEST_MAN_CLI_STALE}")
file(COPY ${ATTEST_PACKAGING_DIR}/man/attest-agent.8 ${ATTEST_PACKAGING_DIR}/man/attest-agent.toml.5
     DESTINATION ${CMAKE_CURRENT_BINARY_DIR}/man-stale)
add_test(NAME packaging_man_pages_stale_detected
         COMMAND ${ATTEST_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_man.py
                 ${CMAKE_CURRENT_BINARY_DIR}/man-stale ${ATTEST_PACKAGING_DIR}/config.toml
                 $<TARGET_FILE:attest-cli>)
set_tests_properties(packaging_man_pages_stale_detected PROPERTIES LABELS packaging TIMEOUT 120
  PASS_REGULAR_EXPRESSION "section \"attest-cli agent evidence\" documents --no-such-option")
