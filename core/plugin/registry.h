#pragma once
/// Every operator of every plugin library found on the search path.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "plugin/library.h"
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
  PluginRegistry() = default;

  /// Scans each directory of `search_path` in order (not recursively) for `*.so` files,
  /// in sorted order within a directory, and loads each one that passes
  /// CheckPluginFileSecurity (skipped when `allow_insecure`; a failure then is only
  /// logged) and PluginLibrary::Load. A library that declares an operator name already
  /// declared by a library loaded before it is refused as a whole. Refused libraries
  /// are recorded in Refusals() and skipped; a file reached twice (by a symbolic link)
  /// is loaded once. Never fails as a whole: the caller decides what refusals mean.
  static PluginRegistry Load(const std::vector<std::string>& search_path, bool allow_insecure);

  /// As Load, for exactly these library files in this order (`trestle plugins inspect`,
  /// tests).
  static PluginRegistry LoadFiles(const std::vector<std::string>& files, bool allow_insecure);

  /// OperatorCatalog. Pointers stay valid while the registry lives (also when moved).
  const OperatorInfo* Find(std::string_view name) const override;
  /// Sorted.
  std::vector<std::string> Names() const override;

  /// Null when no loaded library declares `name`.
  const RegisteredOperator* FindDef(std::string_view name) const;
  /// Loaded libraries in load order: path, name, version, ABI version, SHA-256 and
  /// operators (with their roles in `info.role`) of each.
  const std::vector<std::shared_ptr<const PluginLibrary>>& Libraries() const { return libraries_; }
  /// Refused libraries in scan order.
  const std::vector<PluginRefusal>& Refusals() const { return refusals_; }

 private:
  void Add(const std::string& path, bool allow_insecure);

  std::vector<std::shared_ptr<const PluginLibrary>> libraries_;
  std::vector<PluginRefusal> refusals_;
  std::map<std::string, RegisteredOperator, std::less<>> operators_;
  std::vector<std::string> seen_files_;  // canonical paths already considered
};

}  // namespace trestle::core
