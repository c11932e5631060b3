# Compiles each kernel header alone with ${CXX}, -fno-exceptions -fno-rtti and
# the strict warnings. Run by ctest (kernel_headers_clang).
set(extra)
if(BOOST_INCLUDE AND NOT BOOST_INCLUDE STREQUAL "/usr/include")
  set(extra -isystem ${BOOST_INCLUDE})
endif()
string(REPLACE "," ";" HEADERS "${HEADERS}")
list(LENGTH HEADERS count)
if(count EQUAL 0)
  message(FATAL_ERROR "no kernel headers given")
endif()
foreach(header IN LISTS HEADERS)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/one_header.cpp "#include <${header}>\n")
  execute_process(
    COMMAND ${CXX} -std=c++20 -fsyntax-only -fno-exceptions -fno-rtti -Wall -Wextra -Werror
            -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -I${INCLUDE} ${extra}
            ${CMAKE_CURRENT_BINARY_DIR}/one_header.cpp
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "kernel header ${header} does not compile alone with ${CXX}:\n${err}")
  endif()
  message(STATUS "ok  ${header}")
endforeach()
message(STATUS "${count} kernel headers compile alone with ${CXX}")
