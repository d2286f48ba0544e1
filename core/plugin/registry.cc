#include "plugin/registry.h"

#include <algorithm>
#include <utility>

#include <boost/filesystem.hpp>
#include <boost/system/error_code.hpp>
#include <glog/logging.h>

#include "plugin/file_security.h"

namespace trestle::core {
namespace {

namespace fs = boost::filesystem;

bool IsLibraryName(const std::string& name) {
  return name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0;
}

// The *.so files directly in `dir`, sorted by name; a directory that cannot be read is
// reported as a refusal of the directory.
std::vector<std::string> ListLibraries(const std::string& dir, std::vector<PluginRefusal>& refusals) {
  std::vector<std::string> names;
  boost::system::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    boost::system::error_code type_ec;
    if (IsLibraryName(name) && fs::is_regular_file(it->path(), type_ec)) names.push_back(name);
  }
  if (ec) {
    refusals.push_back({dir, InvalidArgument(dir + ": cannot list plugin directory: " + ec.message())});
    return {};
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& name : names) paths.push_back((fs::path(dir) / name).string());
  return paths;
}

}  // namespace

PluginRegistry PluginRegistry::Load(const std::vector<std::string>& search_path, bool allow_insecure) {
  PluginRegistry registry;
  for (const std::string& dir : search_path)
    for (const std::string& file : ListLibraries(dir, registry.refusals_)) registry.Add(file, allow_insecure);
  return registry;
}

PluginRegistry PluginRegistry::LoadFiles(const std::vector<std::string>& files, bool allow_insecure) {
  PluginRegistry registry;
  for (const std::string& file : files) registry.Add(file, allow_insecure);
  return registry;
}

void PluginRegistry::Add(const std::string& path, bool allow_insecure) {
  boost::system::error_code ec;
  fs::path canonical = fs::canonical(path, ec);
  if (!ec) {
    if (std::find(seen_files_.begin(), seen_files_.end(), canonical.string()) != seen_files_.end()) {
      VLOG(1) << path << ": already considered under another name, skipped";
      return;
    }
    seen_files_.push_back(canonical.string());
  }

  if (Status secure = CheckPluginFileSecurity(path, allow_insecure); !secure.ok()) {
    refusals_.push_back({path, secure});
    return;
  }

  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::Load(path);
  if (!loaded.ok()) {
    refusals_.push_back({path, loaded.status()});
    return;
  }
  std::shared_ptr<const PluginLibrary> library = std::move(loaded).value();

  for (const PluginOperator& op : library->operators()) {
    auto taken = operators_.find(op.info.name);
    if (taken == operators_.end()) continue;
    refusals_.push_back(
        {path, InvalidArgument(path + ": operator \"" + op.info.name + "\" is already declared by " +
                               taken->second.library->path() +
                               "; this library is refused (operator names are unique across "
                               "plugins: remove one of the two files, or take its directory off "
                               "the plugin path)")});
    return;
  }
  for (const PluginOperator& op : library->operators())
    operators_.emplace(op.info.name, RegisteredOperator{op.info, op.def, library});
  VLOG(1) << "loaded plugin " << library->name() << " " << library->version() << " from " << path;
  libraries_.push_back(std::move(library));
}

const OperatorInfo* PluginRegistry::Find(std::string_view name) const {
  const RegisteredOperator* op = FindDef(name);
  return op != nullptr ? &op->info : nullptr;
}

std::vector<std::string> PluginRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(operators_.size());
  for (const auto& [name, op] : operators_) names.push_back(name);
  return names;
}

const RegisteredOperator* PluginRegistry::FindDef(std::string_view name) const {
  auto it = operators_.find(name);
  return it != operators_.end() ? &it->second : nullptr;
}

}  // namespace trestle::core
