# tpsim_options: the INTERFACE target every tpsim target links: warnings and sanitizers.
add_library(tpsim_options INTERFACE)
target_compile_options(tpsim_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
if(TPSIM_SANITIZE)
  target_compile_options(tpsim_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined>)
  target_link_options(tpsim_options INTERFACE -fsanitize=address,undefined)
endif()
target_include_directories(tpsim_options INTERFACE
  "${PROJECT_SOURCE_DIR}" "${PROJECT_BINARY_DIR}/generated")
target_compile_definitions(tpsim_options INTERFACE
  TPSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
