#pragma once
/// What each plugin library declares, remembered across processes, so that a command
/// loads only the libraries whose operators it uses (libtorch, OpenCV and the like stay
/// out of a process that never calls them).
///
/// One JSON file per trestle executable (the file's name hashes the executable's path),
/// holding, per library, the file's identity (PluginFileKey) and its PluginLibraryInfo.
/// A library is described again whenever its identity changes; the whole file is set
/// aside whenever the executable changes (version, ABI, size or mtime). The cache holds
/// descriptions only, never code: a library is still loaded, hashed and checked against
/// its cached description before any of its operators is instantiated.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "plugin/library_info.h"

namespace trestle::core {

/// The identity the cache keys a library file by. The change time moves on any write,
/// rename or chmod and cannot be set back by the file's owner, so together with the
/// inode and size it tells a replaced or rewritten file from the one described.
struct PluginFileKey {
  std::string canonical_path;
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;

  bool operator==(const PluginFileKey&) const = default;
};

/// The key of `path` (links followed); nullopt when it cannot be resolved or stat'ed.
std::optional<PluginFileKey> PluginFileKeyOf(const std::string& path);

class PluginDescriptorCache {
 public:
  /// A cache that remembers nothing across processes (TRESTLE_PLUGIN_CACHE=off).
  PluginDescriptorCache() = default;

  /// The cache kept in `file` for the executable tagged `executable_tag`. A missing,
  /// unreadable or corrupt file, or one written for another executable, starts empty
  /// (logged at VLOG 1); a file that someone else could rewrite (not owned by the
  /// current user, or writable by group or others) is ignored with a warning, since its
  /// descriptions decide what validation accepts.
  static PluginDescriptorCache Open(std::string file, std::string executable_tag);

  /// Where the running executable keeps its cache: the file TRESTLE_PLUGIN_CACHE names
  /// (`env_cache`; "off" or "" = no cache), else $XDG_CACHE_HOME/trestle/, else
  /// $HOME/.cache/trestle/, as plugins-<16 hex digits of SHA-256(executable)>.json.
  /// Empty when there is none.
  static std::string DefaultFile(const char* env_cache, const char* xdg_cache_home, const char* home,
                                 const std::string& executable);
  /// The running executable's canonical path (/proc/self/exe).
  static std::string ExecutablePath();
  /// Trestle's version, the host ABI and the executable's size and mtime.
  static std::string ExecutableTag();

  bool enabled() const { return !file_.empty(); }
  const std::string& file() const { return file_; }

  /// The description remembered for exactly this key; `path` is set to `found_as`.
  std::optional<PluginLibraryInfo> Lookup(const PluginFileKey& key, const std::string& found_as) const;
  /// Remembers `info` for `key` (the next Save writes it).
  void Remember(const PluginFileKey& key, const PluginLibraryInfo& info);

  /// Writes the file when Remember changed something, through a temporary file renamed
  /// over it (mode 0600, its directory created 0700), so that concurrent commands never
  /// read half a file. Entries whose library no longer has its key are dropped. A
  /// failure is returned for the caller to log: a command never fails for its cache.
  Status Save();

 private:
  struct Entry {
    PluginFileKey key;
    PluginLibraryInfo info;
  };

  std::string file_;
  std::string executable_tag_;
  std::map<std::string, Entry> entries_;  // by canonical path
  bool dirty_ = false;
};

}  // namespace trestle::core
