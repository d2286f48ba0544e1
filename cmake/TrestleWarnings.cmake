# trestle_warnings(target): the project's own warning set for its own code.
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
  if(TRESTLE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
