# synod_warnings(target): the warning set every synod-owned target builds with.
function(synod_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    $<$<CXX_COMPILER_ID:Clang>:-Wno-unused-private-field>)
endfunction()
