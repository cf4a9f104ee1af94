# Included from the top-level CMakeLists.txt before any target when ATTEST_FUZZ is ON: every
# library is built with libFuzzer's coverage instrumentation plus ASan and UBSan, so that the
# fuzz targets in fuzz/ see edges inside the parsers, not only in their own glue.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "ATTEST_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++-16); "
                      "use a build directory of its own, apart from the g++ build")
endif()
if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
  # libstdc++ 12's <expected> needs conditionally trivial special members (P0848), which clang
  # implements from 16 on; clang-14 cannot compile Result<T> at all.
  message(FATAL_ERROR "ATTEST_FUZZ needs clang >= 16 (Debian: clang-16 libclang-rt-16-dev)")
endif()
# libstdc++ 12 hides <expected> unless __cpp_concepts >= 202002L. clang 16 implements what that
# header needs (P0848) but still advertises 201907L (the value is raised in clang 19).
# FIXME: drop once the fuzz compiler is clang >= 19.
add_compile_options(-Wno-macro-redefined -D__cpp_concepts=202002L)
# -O1 and line tables: what libFuzzer's docs suggest, and about half the compile time of -O2 -g.
add_compile_options(-O1 -gline-tables-only)
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)
set(ATTEST_BUILD_TESTS OFF CACHE BOOL "" FORCE)
