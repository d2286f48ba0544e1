// trestle version
#include <iostream>

#include "commands.h"
#include "exit_codes.h"
#include "trestle/c/abi.h"

namespace trestle::cli {

int VersionCommand(const Args& args) {
  if (!args.empty() && args[0] != "--help" && args[0] != "-h") {
    std::cerr << "usage: trestle version\n";
    return kExitUsage;
  }
  std::cout << "trestle " << TRESTLE_VERSION << "\nplugin ABI " << TRESTLE_ABI_MAJOR << "." << TRESTLE_ABI_MINOR
            << " (loads plugins built for ABI " << TRESTLE_ABI_MAJOR << ".0 to " << TRESTLE_ABI_MAJOR << "."
            << TRESTLE_ABI_MINOR << ")\n";
  return kExitOk;
}

}  // namespace trestle::cli
