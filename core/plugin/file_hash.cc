#include "plugin/file_hash.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>
#include <vector>

#include "config/sha256.h"

namespace trestle::core {

Result<std::string> HashPluginFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(path + ": cannot open for reading: " + std::strerror(errno));
  Sha256 hasher;
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    hasher.Update(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return InvalidArgument(path + ": read error: " + std::strerror(errno));
  return ToHex(hasher.Finish());
}

}  // namespace trestle::core
