#pragma once
/// Every operator of every plugin library found on the search path.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "plugin/descriptor_cache.h"
#include "plugin/library.h"
#include "plugin/library_info.h"
#include "plugin/operator_info.h"
#include "trestle/c/abi.h"

namespace trestle::core {

/// A library that was not loaded, and why.
struct PluginRefusal {
  std::string path;
  Status status;  ///< INVALID_ARGUMENT; the message starts with the path
};

/// An operator ready to be instantiated. `def` points into `library`; whoever keeps
/// `def` (an operator instance, a compiled graph) keeps `library` with it, so that the
/// code stays loaded for as long as it may be called.
struct RegisteredOperator {
  OperatorInfo info;
  const TrestleOperatorDef* def = nullptr;
  std::shared_ptr<const PluginLibrary> library;
};

class PluginRegistry : public OperatorCatalog {
 public:
  PluginRegistry();
  ~PluginRegistry() override;
  PluginRegistry(PluginRegistry&&) noexcept;
  PluginRegistry& operator=(PluginRegistry&&) noexcept;

  /// Scans each directory of `search_path` in order (not recursively) for `*.so` files,
  /// in sorted order within a directory. Each one must pass CheckPluginFileSecurity
  /// (skipped when `allow_insecure`; a failure then is only logged). Then, when `cache`
  /// describes exactly this file (same PluginFileKey), its description is taken from
  /// there and the library is not loaded until one of its operators is resolved;
  /// otherwise it is loaded (PluginLibrary::Load), stays loaded, and its description is
  /// remembered in `cache` (the caller saves it). A library that declares an operator
  /// name already declared by a library found before it is refused as a whole. Refused
  /// libraries are recorded in Refusals() and skipped; a file reached twice (by a
  /// symbolic link) is considered once. Never fails as a whole: the caller decides what
  /// refusals mean. `cache` may be null: every library is then loaded.
  static PluginRegistry Load(const std::vector<std::string>& search_path, bool allow_insecure,
                             PluginDescriptorCache* cache = nullptr);

  /// As Load, for exactly these library files in this order (tests).
  static PluginRegistry LoadFiles(const std::vector<std::string>& files, bool allow_insecure,
                                  PluginDescriptorCache* cache = nullptr);

  /// OperatorCatalog: descriptions only, nothing is loaded. Pointers stay valid while
  /// the registry lives (also when moved).
  const OperatorInfo* Find(std::string_view name) const override;
  /// Sorted.
  std::vector<std::string> Names() const override;

  /// The library declaring `name` (null when none does), loaded or not.
  const PluginLibraryInfo* LibraryOf(std::string_view name) const;

  /// The operator with its definition, its library loaded first if it was only
  /// described by the cache. A null value when no library declares `name`;
  /// INVALID_ARGUMENT (the message starts with the library's path) when the library
  /// cannot be loaded now, or no longer is what the cache described (its SHA-256 or
  /// declarations changed). Safe to call from several threads. The pointer stays valid
  /// while the registry lives.
  Result<const RegisteredOperator*> Resolve(std::string_view name) const;
  /// Resolve's operator, or null when it is unknown or cannot be loaded (logged).
  const RegisteredOperator* FindDef(std::string_view name) const;

  /// Every library found and not refused, in scan order: path, name, version, ABI
  /// version, SHA-256 and operators (with their roles) of each.
  const std::vector<PluginLibraryInfo>& Libraries() const { return libraries_; }
  /// Whether Libraries()[i] is loaded in this process.
  bool IsLoaded(size_t i) const;
  /// Refused libraries in scan order.
  const std::vector<PluginRefusal>& Refusals() const { return refusals_; }

 private:
  struct OperatorSlot {
    size_t library = 0;  // index into libraries_
    RegisteredOperator op;  // def and library set once the library is loaded
  };

  void Add(const std::string& path, bool allow_insecure, PluginDescriptorCache* cache);
  void Register(PluginLibraryInfo info, std::shared_ptr<const PluginLibrary> loaded);
  Status LoadLibrary(size_t i) const;  // with mutex_ held

  std::vector<PluginLibraryInfo> libraries_;
  std::vector<PluginRefusal> refusals_;
  std::vector<std::string> seen_files_;  // canonical paths already considered
  // Filled lazily by Resolve, under *mutex_.
  mutable std::vector<std::shared_ptr<const PluginLibrary>> loaded_;  // parallel to libraries_
  mutable std::map<std::string, OperatorSlot, std::less<>> operators_;
  std::unique_ptr<std::mutex> mutex_;
};

}  // namespace trestle::core
