#include "plugin/library.h"

#include <exception>
#include <utility>

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <boost/system/error_code.hpp>

#include "plugin/file_hash.h"

namespace trestle::core {

class PluginLibrary::Handle {
 public:
  boost::dll::shared_library lib;
};

namespace {

using EntryFn = const TrestlePluginDescriptor*(uint32_t, uint32_t);

// dlerror() repeats the path ("<path>: invalid ELF header"); the caller already
// starts its message with it.
std::string LoadError(const std::string& path, const boost::system::error_code& ec) {
  const char* raw = dlerror();
  std::string text = raw != nullptr ? raw : ec.message();
  for (const std::string& prefix : {path + ": ", "./" + path + ": "}) {
    if (text.compare(0, prefix.size(), prefix) == 0) return text.substr(prefix.size());
  }
  return text;
}

Status Open(const std::string& path, boost::dll::shared_library& lib) {
  namespace mode = boost::dll::load_mode;
  boost::system::error_code ec;
  dlerror();  // drop any stale error so that the one read below is ours
  lib.load(path, ec, mode::rtld_local | mode::rtld_now);
  if (ec || !lib.is_loaded())
    return InvalidArgument(path + ": cannot be loaded as a shared library: " + LoadError(path, ec));
  return Status::Ok();
}

Result<const TrestlePluginDescriptor*> CallEntry(const std::string& path,
                                                 boost::dll::shared_library& lib) {
  const std::string entry = TRESTLE_PLUGIN_ENTRY_NAME;
  // The entry may be written without the SDK, so anything can come out of it.
  try {
    if (!lib.has(entry))
      return InvalidArgument(path + ": does not export the entry symbol " + entry +
                             ", so it is not a Trestle plugin (build plugins with trestle_add_plugin() "
                             "and TRESTLE_PLUGIN)");
    EntryFn& fn = lib.get<EntryFn>(entry);
    return fn(TRESTLE_ABI_MAJOR, TRESTLE_ABI_MINOR);
  } catch (const std::exception& e) {
    return InvalidArgument(path + ": the entry function " + entry + " threw an exception: " + e.what());
  } catch (...) {
    return InvalidArgument(path + ": the entry function " + entry +
                           " threw an exception of unknown type");
  }
}

}  // namespace

PluginLibrary::PluginLibrary(std::string path, std::string sha256, std::unique_ptr<Handle> handle,
                             PluginDescription description)
    : path_(std::move(path)),
      sha256_(std::move(sha256)),
      handle_(std::move(handle)),
      description_(std::move(description)) {}

PluginLibrary::~PluginLibrary() = default;

Result<std::unique_ptr<PluginLibrary>> PluginLibrary::Load(const std::string& path) {
  Result<std::string> sha = HashPluginFile(path);
  if (!sha.ok()) return sha.status();

  auto handle = std::make_unique<Handle>();
  TRESTLE_RETURN_IF_ERROR(Open(path, handle->lib));
  Result<const TrestlePluginDescriptor*> descriptor = CallEntry(path, handle->lib);
  if (!descriptor.ok()) return descriptor.status();
  Result<PluginDescription> description = ReadPluginDescriptor(*descriptor);
  if (!description.ok()) return description.status().WithContext(path);

  return std::unique_ptr<PluginLibrary>(new PluginLibrary(
      path, std::move(sha).value(), std::move(handle), std::move(description).value()));
}

const PluginOperator* PluginLibrary::FindOperator(std::string_view name) const {
  for (const PluginOperator& op : description_.operators)
    if (op.info.name == name) return &op;
  return nullptr;
}

}  // namespace trestle::core
