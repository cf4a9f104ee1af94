# The architecture's floors (common <- providers <- agent <- cli / daemon), checked over every
# #include line; the self-test proves the checker fails on upward and internal includes.
get_filename_component(ATTEST_SOURCE_ROOT ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)
add_test(NAME layering COMMAND python3 ${ATTEST_SOURCE_ROOT}/scripts/check-layering
                               ${ATTEST_SOURCE_ROOT})
add_test(NAME layering_selftest COMMAND python3 ${ATTEST_SOURCE_ROOT}/scripts/check-layering
                                        --self-test)
