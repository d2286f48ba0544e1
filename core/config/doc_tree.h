#pragma once
/// DocTree: a parsed YAML or JSON document as plain nodes with their positions, what the
/// YAML/JSON reader walks to fill a config::Pipeline. The YAML parser (yaml-cpp events)
/// and the JSON parser (nlohmann SAX) both build it through DocBuilder, which also
/// enforces the limits that keep reading bounded whatever the text. Internal to
/// core/config.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/limits.h"

namespace trestle::core {

/// One node. A mapping's `items` alternate key and value. A YAML alias is the very node
/// it refers to (shared), so a DocTree is a directed acyclic graph, never cyclic.
struct DocNode {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  /// A scalar written without quotes or tag, whose text decides its type (number,
  /// bool); quoted, block and tagged scalars are always strings.
  bool plain = false;
  int line = -1;    ///< 0-based; -1 = unknown
  int column = -1;  ///< 0-based byte column; -1 = unknown
  std::string scalar;
  std::vector<const DocNode*> items;
  /// Values in this node's subtree with aliases expanded (1 for a scalar), and how many
  /// levels of lists and mappings it holds (0 for a scalar).
  size_t values = 1;
  int height = 0;

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMap() const { return kind == Kind::kMapping; }
};

/// Owns the nodes of one document; node addresses are stable.
struct DocTree {
  std::deque<DocNode> nodes;
  const DocNode* root = nullptr;
};

/// Why a text could not be read: a syntax error, or a limit (nesting, values, an alias
/// inside the node it names).
struct DocProblem {
  int line = -1;  ///< 0-based, as DocNode
  int column = -1;
  std::string message;  ///< complete, e.g. "JSON syntax error: trailing comma before '}'"
};

/// The outcome of parsing a YAML or JSON text.
struct ParsedText {
  DocTree tree;          ///< the first document; tree.root is null when there is none
  int documents = 0;     ///< how many documents the text holds (JSON: 1)
  int second_line = -1;  ///< where the second document starts (0-based)
  int second_column = -1;
};

/// The 0-based line and byte column of `offset` in `text`: lines end at '\n' (as in
/// yaml-cpp and nlohmann), and a UTF-8 byte order mark is not a column.
void LineColumnOf(std::string_view text, size_t offset, int* line, int* column);

/// Builds a DocTree from parser events in document order. Once a limit is exceeded
/// every later call is ignored and returns false; error() says what and where.
class DocBuilder {
 public:
  /// `depth` = levels of lists and mappings already open around the document (for a
  /// value placed inside a pipeline, e.g. by --set).
  explicit DocBuilder(DocTree* tree, int depth = 0) : tree_(tree), outer_depth_(depth) {}

  /// `anchor` 0 = none; otherwise a later Alias(anchor) refers to this node.
  bool Scalar(int line, int column, std::string text, bool plain, uint64_t anchor = 0);
  bool Null(int line, int column, uint64_t anchor = 0);
  bool Alias(int line, int column, uint64_t anchor);
  bool Start(DocNode::Kind kind, int line, int column, uint64_t anchor = 0);
  bool End();

  bool failed() const { return !error_.message.empty(); }
  const DocProblem& error() const { return error_; }
  /// Current nesting depth (open lists and mappings, and the outer ones).
  int depth() const { return outer_depth_ + static_cast<int>(open_.size()); }

 private:
  bool Fail(int line, int column, std::string message);
  bool Add(DocNode* node);
  bool CountValues(int line, int column, size_t values);

  DocTree* tree_;
  int outer_depth_;
  std::vector<DocNode*> open_;
  std::map<uint64_t, const DocNode*> anchors_;
  size_t total_values_ = 0;
  DocProblem error_;
};

}  // namespace trestle::core
