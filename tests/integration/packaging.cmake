# The .deb builds from this tree and carries the binary and docs with computed dependencies.
add_test(NAME packaging_deb
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_deb.sh ${CMAKE_CPACK_COMMAND}
                 ${CMAKE_BINARY_DIR}/CPackConfig.cmake)
set_tests_properties(packaging_deb PROPERTIES TIMEOUT 300)
