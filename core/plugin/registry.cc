#include "plugin/registry.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <boost/filesystem.hpp>
#include <boost/system/error_code.hpp>
#include <glog/logging.h>

#include "plugin/file_security.h"
#include "plugin/library_info_json.h"

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

PluginLibraryInfo InfoOf(const PluginLibrary& library) {
  PluginLibraryInfo info;
  info.path = library.path();
  info.sha256 = library.sha256();
  info.name = library.name();
  info.version = library.version();
  info.abi_major = library.abi_major();
  info.abi_minor = library.abi_minor();
  for (const PluginOperator& op : library.operators()) info.operators.push_back(op.info);
  return info;
}

}  // namespace

PluginRegistry::PluginRegistry() : mutex_(std::make_unique<std::mutex>()) {}
PluginRegistry::~PluginRegistry() = default;
PluginRegistry::PluginRegistry(PluginRegistry&&) noexcept = default;
PluginRegistry& PluginRegistry::operator=(PluginRegistry&&) noexcept = default;

PluginRegistry PluginRegistry::Load(const std::vector<std::string>& search_path, bool allow_insecure,
                                    PluginDescriptorCache* cache) {
  PluginRegistry registry;
  for (const std::string& dir : search_path)
    for (const std::string& file : ListLibraries(dir, registry.refusals_)) registry.Add(file, allow_insecure, cache);
  return registry;
}

PluginRegistry PluginRegistry::LoadFiles(const std::vector<std::string>& files, bool allow_insecure,
                                         PluginDescriptorCache* cache) {
  PluginRegistry registry;
  for (const std::string& file : files) registry.Add(file, allow_insecure, cache);
  return registry;
}

void PluginRegistry::Add(const std::string& path, bool allow_insecure, PluginDescriptorCache* cache) {
  const std::optional<PluginFileKey> key = PluginFileKeyOf(path);
  if (key) {
    if (std::find(seen_files_.begin(), seen_files_.end(), key->canonical_path) != seen_files_.end()) {
      VLOG(1) << path << ": already considered under another name, skipped";
      return;
    }
    seen_files_.push_back(key->canonical_path);
  }

  if (Status secure = CheckPluginFileSecurity(path, allow_insecure); !secure.ok()) {
    refusals_.push_back({path, secure});
    return;
  }

  if (cache != nullptr && key) {
    if (std::optional<PluginLibraryInfo> described = cache->Lookup(*key, path)) {
      VLOG(1) << "plugin " << described->name << " " << described->version << " at " << path
              << " described by the cache, not loaded";
      Register(std::move(*described), nullptr);
      return;
    }
  }

  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::Load(path);
  if (!loaded.ok()) {
    refusals_.push_back({path, loaded.status()});
    return;
  }
  std::shared_ptr<const PluginLibrary> library = std::move(loaded).value();
  PluginLibraryInfo info = InfoOf(*library);
  if (cache != nullptr && key) cache->Remember(*key, info);
  VLOG(1) << "loaded plugin " << library->name() << " " << library->version() << " from " << path;
  Register(std::move(info), std::move(library));
}

void PluginRegistry::Register(PluginLibraryInfo info, std::shared_ptr<const PluginLibrary> loaded) {
  for (const OperatorInfo& op : info.operators) {
    auto taken = operators_.find(op.name);
    if (taken == operators_.end()) continue;
    refusals_.push_back(
        {info.path, InvalidArgument(info.path + ": operator \"" + op.name + "\" is already declared by " +
                                    libraries_[taken->second.library].path +
                                    "; this library is refused (operator names are unique across "
                                    "plugins: remove one of the two files, or take its directory off "
                                    "the plugin path)")});
    return;
  }
  const size_t index = libraries_.size();
  for (const OperatorInfo& op : info.operators) {
    OperatorSlot slot;
    slot.library = index;
    slot.op.info = op;
    if (loaded) {
      const PluginOperator* declared = loaded->FindOperator(op.name);
      slot.op.def = declared->def;
      slot.op.library = loaded;
    }
    operators_.emplace(op.name, std::move(slot));
  }
  libraries_.push_back(std::move(info));
  loaded_.push_back(std::move(loaded));
}

Status PluginRegistry::LoadLibrary(size_t i) const {
  const PluginLibraryInfo& described = libraries_[i];
  Result<std::unique_ptr<PluginLibrary>> loaded = PluginLibrary::Load(described.path);
  if (!loaded.ok()) return loaded.status();
  std::shared_ptr<const PluginLibrary> library = std::move(loaded).value();
  PluginLibraryInfo now = InfoOf(*library);
  if (now.sha256 != described.sha256 || LibraryInfoToJson(now) != LibraryInfoToJson(described))
    return InvalidArgument(described.path + ": the library changed since the plugin descriptor cache described it " +
                           "(sha256 " + described.sha256.substr(0, 12) + " then, " + now.sha256.substr(0, 12) +
                           " now); run the command again");
  for (const PluginOperator& op : library->operators()) {
    OperatorSlot& slot = operators_.find(op.info.name)->second;
    slot.op.def = op.def;
    slot.op.library = library;
  }
  VLOG(1) << "loaded plugin " << library->name() << " " << library->version() << " from " << described.path
          << " on first use";
  loaded_[i] = std::move(library);
  return Status::Ok();
}

const OperatorInfo* PluginRegistry::Find(std::string_view name) const {
  auto it = operators_.find(name);
  return it != operators_.end() ? &it->second.op.info : nullptr;
}

std::vector<std::string> PluginRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(operators_.size());
  for (const auto& [name, slot] : operators_) names.push_back(name);
  return names;
}

const PluginLibraryInfo* PluginRegistry::LibraryOf(std::string_view name) const {
  auto it = operators_.find(name);
  return it != operators_.end() ? &libraries_[it->second.library] : nullptr;
}

Result<const RegisteredOperator*> PluginRegistry::Resolve(std::string_view name) const {
  auto it = operators_.find(name);
  if (it == operators_.end()) return static_cast<const RegisteredOperator*>(nullptr);
  std::lock_guard<std::mutex> lock(*mutex_);
  if (it->second.op.def == nullptr) TRESTLE_RETURN_IF_ERROR(LoadLibrary(it->second.library));
  return static_cast<const RegisteredOperator*>(&it->second.op);
}

const RegisteredOperator* PluginRegistry::FindDef(std::string_view name) const {
  Result<const RegisteredOperator*> op = Resolve(name);
  if (op.ok()) return *op;
  LOG(WARNING) << op.status().message();
  return nullptr;
}

bool PluginRegistry::IsLoaded(size_t i) const {
  std::lock_guard<std::mutex> lock(*mutex_);
  return i < loaded_.size() && loaded_[i] != nullptr;
}

}  // namespace trestle::core
