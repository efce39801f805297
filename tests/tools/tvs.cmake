# TVS test responder and client (owner: tvs). Included by tests/tools/CMakeLists.txt.
# They make real TLS sessions on loopback for captures (captures/make-captures.sh) and are checked
# here end to end: tvs_selftest.sh makes a throwaway PKI with openssl, starts tvs_server on
# 127.0.0.1 port 0 (the kernel picks a free port), runs tvs_client and compares its answers.
add_library(tvs_common STATIC ${CMAKE_CURRENT_LIST_DIR}/tvs_common.c)
target_link_libraries(tvs_common PUBLIC sbdcore OpenSSL::SSL OpenSSL::Crypto)

add_executable(tvs_server ${CMAKE_CURRENT_LIST_DIR}/tvs_server.c)
target_link_libraries(tvs_server PRIVATE tvs_common)
add_executable(tvs_client ${CMAKE_CURRENT_LIST_DIR}/tvs_client.c)
target_link_libraries(tvs_client PRIVATE tvs_common)

foreach(_mode tls13 tls12 pipeline keylog badpdu)
  add_test(NAME tools.tvs.${_mode}
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tvs_selftest.sh ${_mode}
            $<TARGET_FILE:tvs_server> $<TARGET_FILE:tvs_client>)
  set_tests_properties(tools.tvs.${_mode} PROPERTIES LABELS tools TIMEOUT 120)
endforeach()
