#pragma once
/// SourceMap: where each field of a loaded pipeline came from (line and column in the
/// pipeline file, or the --set override that wrote it), and the original spelling of
/// scalars whose text a number or bool cannot carry. Owned by LoadedPipeline; plain value.

#include <map>
#include <string>
#include <string_view>

namespace trestle::core {

struct SourceLocation {
  int line = 0;        ///< 1-based; 0 = unknown
  int column = 0;      ///< 1-based; 0 = unknown
  std::string origin;  ///< empty = the pipeline file; else e.g. "--set score.threshold"
};

/// Keys are field paths: "pipeline", "nodes[0]", "nodes[0].inputs[1]",
/// "nodes[0].options.model", "nodes[0].options.columns[1]", "execution.batch_rows"...
/// A path's location is that of its value (for a mapping: its first key).
class SourceMap {
 public:
  void Record(const std::string& path, SourceLocation location);
  /// The exact entry for `path`, or nullptr. Valid until the map is next modified.
  const SourceLocation* Find(std::string_view path) const;
  /// The entry for `path` or, failing that, for its longest recorded parent, so that an
  /// error about a missing field points at the mapping it is missing from. An empty
  /// (unknown) location when nothing on the way up was recorded.
  SourceLocation Lookup(std::string_view path) const;

  /// Remembers the source spelling of a number or bool scalar (e.g. "1.10", "007",
  /// "True") when it differs from the canonical one (FormatNumber, "true"/"false"),
  /// so that a string option given `1.10` reads "1.10", not "1.1".
  void RecordText(const std::string& path, std::string text);
  /// The recorded spelling for exactly `path`, or nullptr.
  const std::string* OriginalText(std::string_view path) const;
  /// All recorded spellings by path (part of the config hash).
  const std::map<std::string, std::string, std::less<>>& texts() const { return texts_; }

  /// Forgets `path` and everything inside it (before an override replaces a value).
  void EraseUnder(std::string_view path);
  size_t size() const { return locations_.size(); }

 private:
  std::map<std::string, SourceLocation, std::less<>> locations_;
  std::map<std::string, std::string, std::less<>> texts_;
};

}  // namespace trestle::core
