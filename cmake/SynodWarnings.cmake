# synod_warnings(target): the warning set every synod-owned target builds with.
function(synod_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    $<$<CXX_COMPILER_ID:Clang>:-Wno-unused-private-field>)
  if(SYNOD_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12's flow-sensitive warnings misfire on sanitizer-instrumented
    # standard algorithms (e.g. std::sort on a std::array, GCC PR 105651 and
    # kin). The sanitizers check these accesses at run time instead.
    target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow)
  endif()
endfunction()
