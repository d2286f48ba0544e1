# trestle_warnings(target): the project's own warning set for its own code. (Sanitizer
# flags apply to every target of the tree: TrestleSanitize.cmake.)
function(trestle_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  # GCC 12 reports -Wrestrict false positives inside libstdc++'s std::string at -O3
  # (GCC bug 105329); clang's build keeps the check.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(TRESTLE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
