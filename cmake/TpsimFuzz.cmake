# libFuzzer targets: every tests/fuzz/*_fuzzer.cc becomes tests/fuzz/tpsim_fuzz_<name> in the build
# tree. Built only with -DTPSIM_FUZZ=ON and clang++ as the C++ compiler (libFuzzer ships with clang;
# Debian: clang + libclang-rt-14-dev). tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS runs them.
#
# A fuzz build is its own build tree configured with CMAKE_CXX_COMPILER=clang++ (tools/test.sh uses
# build-fuzz), so the tpsim libraries in it are compiled by clang too: here they get libFuzzer's coverage
# instrumentation (-fsanitize=fuzzer-no-link) and ASan + UBSan through the tpsim_options interface
# target, so that the fuzzer is guided by the parsers' own branches, not only by the entry points.
# UBSan findings abort (-fno-sanitize-recover), as in the TPSIM_SANITIZE build.
if(NOT TPSIM_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(WARNING "TPSIM_FUZZ=ON needs clang++ (configure with -DCMAKE_CXX_COMPILER=clang++); "
                  "${CMAKE_CXX_COMPILER_ID} found, fuzz targets not built")
  return()
endif()

set(TPSIM_FUZZ_SANITIZERS "address,undefined")
target_compile_options(tpsim_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,${TPSIM_FUZZ_SANITIZERS} -fno-omit-frame-pointer
  -fno-sanitize-recover=undefined -g>)
target_link_options(tpsim_options INTERFACE -fsanitize=${TPSIM_FUZZ_SANITIZERS})

file(GLOB TPSIM_FUZZ_SOURCES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/fuzz/*_fuzzer.cc")
set(TPSIM_FUZZ_TARGETS "")
foreach(src ${TPSIM_FUZZ_SOURCES})
  get_filename_component(stem ${src} NAME_WE)          # model_config_fuzzer
  string(REGEX REPLACE "_fuzzer$" "" name ${stem})     # model_config
  set(target tpsim_fuzz_${name})
  add_executable(${target} ${src})
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
  target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${target} PRIVATE tpsim_cli)
  set_target_properties(${target} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/tests/fuzz")
  list(APPEND TPSIM_FUZZ_TARGETS ${target})
endforeach()
add_custom_target(tpsim_fuzzers DEPENDS ${TPSIM_FUZZ_TARGETS})
message(STATUS "tpsim: fuzz targets: ${TPSIM_FUZZ_TARGETS}")
