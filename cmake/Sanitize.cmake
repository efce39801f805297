# SBD_SANITIZE: ASan + UBSan on everything, UB is fatal so tests fail on it.
if(SBD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# SBD_FUZZ: libFuzzer instrumentation for the library code; targets add -fsanitize=fuzzer at link.
if(SBD_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SBD_FUZZ=ON needs clang (configure with CC=clang)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# sbd_add_fuzzer(NAME SOURCES... LIBS ...): a libFuzzer binary under SBD_FUZZ, otherwise a replay
# binary (onefile.c main) so every fuzz target also runs its corpus as a regression test in ctest.
function(sbd_add_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  if(SBD_FUZZ)
    add_executable(${name} ${F_SOURCES})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/onefile.c)
  endif()
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  set_property(GLOBAL APPEND PROPERTY SBD_FUZZERS ${name})
endfunction()
