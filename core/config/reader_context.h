#pragma once
/// What the format readers (YAML/JSON, protobuf text, --set values) share while turning
/// text into a config::Pipeline: where diagnostics and locations go, and how strings
/// are interpolated. Internal to core/config. Borrows everything it points to.

#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/interpolate.h"
#include "config/limits.h"
#include "config/source_map.h"
#include "config/utf8.h"

namespace trestle::core {

struct ReaderContext {
  std::string file;                ///< named in diagnostics
  std::string origin;              ///< set for --set values: no lines, this origin instead
  const Getenv* getenv = nullptr;  ///< nullptr = strings are taken literally
  SourceMap* locations = nullptr;  ///< receives the location of every field read
  std::vector<Diagnostic>* diags = nullptr;

  /// Location from 0-based line and column (negative = unknown).
  SourceLocation At(int line0, int column0) const {
    if (!origin.empty()) return {0, 0, origin};
    if (line0 < 0) return {};
    return {line0 + 1, column0 < 0 ? 0 : column0 + 1, {}};
  }
  void Record(const std::string& path, const SourceLocation& location) const {
    locations->Record(path, location);
  }
  void Error(const SourceLocation& location, std::string path, std::string message) const {
    Diagnostic d;
    d.file = location.origin.empty() ? file : location.origin;
    d.line = location.line;
    d.column = location.column;
    d.path = std::move(path);
    d.message = std::move(message);
    diags->push_back(std::move(d));
  }
  /// Interpolates `text` (unless getenv is null), reporting each problem at `location`.
  /// Returns false on any problem, including a result that is not valid UTF-8 (protobuf
  /// strings must be; a protobuf text escape or a variable's value can make it so).
  bool Expand(const std::string& text, const SourceLocation& location, const std::string& path,
              std::string* out, bool* substituted = nullptr) const {
    if (getenv == nullptr) {
      *out = text;
      if (substituted) *substituted = false;
    } else {
      Interpolated result = Interpolate(text, *getenv);
      for (auto& e : result.errors) Error(location, path, std::move(e));
      if (substituted) *substituted = result.substituted;
      *out = std::move(result.text);
      if (!result.errors.empty()) return false;
    }
    if (FindInvalidUtf8(*out) != std::string::npos) {
      Error(location, path, "text is not valid UTF-8");
      return false;
    }
    return true;
  }
};

/// Records where `path` is, charging its length to `*used` against kMaxPathBytes, the
/// budget of one file's field paths: false, with the error reported, once it is spent.
inline bool RecordWithinPathBudget(const ReaderContext& ctx, size_t* used, const std::string& path,
                                   const SourceLocation& loc) {
  *used += path.size() + 1;
  if (*used > kMaxPathBytes) {
    ctx.Error(loc, path,
              "the field paths of this file exceed " + std::to_string(kMaxPathBytes >> 20) +
                  " MiB (keys too long or too many values)");
    return false;
  }
  ctx.Record(path, loc);
  return true;
}

}  // namespace trestle::core
