#pragma once
/// One loaded plugin library whose descriptor passed every check.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "plugin/descriptor.h"

namespace trestle::core {

class PluginLibrary {
 public:
  /// Hashes the file, loads it (RTLD_LOCAL | RTLD_NOW, so a missing symbol fails
  /// here and not in the middle of a run), calls its entry symbol and checks the
  /// descriptor it returns (see ReadPluginDescriptor). Every refusal is
  /// INVALID_ARGUMENT with a message that starts with `path`. Does not check the
  /// file's ownership or permissions: see CheckPluginFileSecurity.
  static Result<std::unique_ptr<PluginLibrary>> Load(const std::string& path);

  /// Unloads the library: every `def` pointer and every operator instance made from
  /// it must be gone by then (hold the library through a shared_ptr to ensure that).
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  /// The path the library was loaded from, as given to Load.
  const std::string& path() const { return path_; }
  /// Lower-case hex SHA-256 of the file as it was read just before loading.
  const std::string& sha256() const { return sha256_; }
  const std::string& name() const { return description_.name; }
  const std::string& version() const { return description_.version; }
  uint32_t abi_major() const { return description_.abi_major; }
  uint32_t abi_minor() const { return description_.abi_minor; }
  /// In declaration order; each `def` is valid while this object lives.
  const std::vector<PluginOperator>& operators() const { return description_.operators; }
  /// Null when the library declares no operator of that name.
  const PluginOperator* FindOperator(std::string_view name) const;

 private:
  class Handle;
  PluginLibrary(std::string path, std::string sha256, std::unique_ptr<Handle> handle,
                PluginDescription description);

  std::string path_;
  std::string sha256_;
  std::unique_ptr<Handle> handle_;
  PluginDescription description_;
};

}  // namespace trestle::core
