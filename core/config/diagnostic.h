#pragma once
/// Diagnostics: located, human-readable errors about a pipeline file, collected so that
/// every problem of a file is reported at once. Plain values; a Diagnostics list owns
/// copies of what is added to it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trestle::core {

/// One problem, as precisely located as the source format allows.
struct Diagnostic {
  std::string file;     ///< pipeline file, or "--set NODE.OPTION" for a command-line override
  int line = 0;         ///< 1-based; 0 = unknown
  int column = 0;       ///< 1-based; 0 = unknown
  std::string path;     ///< field path, e.g. "nodes[2].options.model"; empty = whole file
  std::string node;     ///< name of the node the path is in, if it has one
  std::string message;  ///< what is wrong; never contains a secret value
};

/// `FILE:LINE:COL: nodes[2] "score" .options.model: message`. `:LINE:COL` is left out
/// when the line is unknown, the node name when there is none (the path is printed as
/// is), and the path part when the path is empty.
std::string FormatDiagnostic(const Diagnostic& d);

/// An ordered collection of diagnostics.
class Diagnostics {
 public:
  void add(Diagnostic d) { list_.push_back(std::move(d)); }
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<Diagnostic>& list() const { return list_; }

  /// True when a diagnostic is about `path` itself or something inside it, so that a
  /// later check can avoid reporting the consequence of an error already reported.
  bool Mentions(std::string_view path) const;
  /// Stable-sorts the diagnostics from index `from` on by line and column (unlocated
  /// ones first), so that they read in file order.
  void SortByLocation(size_t from = 0);

  /// One formatted diagnostic per line, each ending in '\n'.
  std::string ToString() const;
  /// OK when empty; otherwise INVALID_ARGUMENT with the diagnostics from index `from`
  /// on: the first formatted one, then "(and N more)".
  Status ToStatus(size_t from = 0) const;

 private:
  std::vector<Diagnostic> list_;
};

/// Names from `candidates` close enough to `wrong` to be what was meant: optimal string
/// alignment distance (Damerau–Levenshtein with adjacent transpositions), compared
/// case-insensitively, at most max(1, |wrong| / 3). Best first; ties keep candidate
/// order. `wrong` itself is never suggested.
std::vector<std::string> SuggestNames(std::string_view wrong,
                                      const std::vector<std::string>& candidates);

/// ` (did you mean "x"?)` for the best suggestion, or "" when there is none.
std::string DidYouMean(std::string_view wrong, const std::vector<std::string>& candidates);

/// `"text"` with backslash escapes for '"', '\\' and control characters, cut after
/// `max_chars` bytes with "..." so that one huge value does not flood a message.
std::string Quote(std::string_view text, size_t max_chars = 60);

}  // namespace trestle::core
