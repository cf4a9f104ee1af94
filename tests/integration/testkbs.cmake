# Self-tests of the Python test KBS (tests/kbs/). They need Debian's python3-jwcrypto and
# python3-cryptography, so prefer /usr/bin/python3 over a pyenv/venv python3 in PATH.
# Included from tests/CMakeLists.txt, so CMAKE_CURRENT_LIST_DIR is tests/integration.
get_filename_component(ATTEST_TEST_KBS_DIR ${CMAKE_CURRENT_LIST_DIR}/../kbs ABSOLUTE)

find_program(ATTEST_KBS_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT ATTEST_KBS_PYTHON)
  find_program(ATTEST_KBS_PYTHON NAMES python3 REQUIRED)
endif()
execute_process(COMMAND ${ATTEST_KBS_PYTHON} -c "import jwcrypto, cryptography"
                RESULT_VARIABLE testkbs_probe OUTPUT_QUIET ERROR_QUIET)
if(NOT testkbs_probe EQUAL 0)
  message(WARNING "${ATTEST_KBS_PYTHON} cannot import jwcrypto/cryptography: "
                  "install python3-jwcrypto python3-cryptography or the testkbs_* tests fail")
endif()

foreach(testkbs_suite selftest faults transport)
  add_test(NAME testkbs_${testkbs_suite}
           COMMAND ${ATTEST_KBS_PYTHON} -m unittest -v test_kbs_${testkbs_suite}
           WORKING_DIRECTORY ${ATTEST_TEST_KBS_DIR})
  set_tests_properties(testkbs_${testkbs_suite} PROPERTIES
                       ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1"
                       LABELS testkbs
                       TIMEOUT 300)
endforeach()
