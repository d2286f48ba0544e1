#include "config/source_map.h"

#include "config/field_path.h"

namespace trestle::core {
namespace {

template <typename Map>
void EraseUnderIn(Map& map, std::string_view path) {
  // Everything inside `path` sorts at or after it and shares it as a prefix.
  for (auto it = map.lower_bound(path); it != map.end();) {
    if (it->first.compare(0, path.size(), path) != 0) break;
    if (PathIsUnder(it->first, path)) {
      it = map.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

void SourceMap::Record(const std::string& path, SourceLocation location) {
  locations_[path] = std::move(location);
}

const SourceLocation* SourceMap::Find(std::string_view path) const {
  auto it = locations_.find(path);
  return it == locations_.end() ? nullptr : &it->second;
}

SourceLocation SourceMap::Lookup(std::string_view path) const {
  std::string current(path);
  while (true) {
    if (const SourceLocation* found = Find(current)) return *found;
    if (current.empty()) return {};
    current = ParentPath(current);
  }
}

void SourceMap::RecordText(const std::string& path, std::string text) {
  texts_[path] = std::move(text);
}

const std::string* SourceMap::OriginalText(std::string_view path) const {
  auto it = texts_.find(path);
  return it == texts_.end() ? nullptr : &it->second;
}

void SourceMap::EraseUnder(std::string_view path) {
  EraseUnderIn(locations_, path);
  EraseUnderIn(texts_, path);
}

}  // namespace trestle::core
