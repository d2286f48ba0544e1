#include "config/doc_tree.h"

#include <algorithm>
#include <utility>

namespace trestle::core {

void LineColumnOf(std::string_view text, size_t offset, int* line, int* column) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  offset = std::min(offset, text.size());
  size_t line_start = text.substr(0, kBom.size()) == kBom ? std::min(offset, kBom.size()) : 0;
  *line = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++*line;
      line_start = i + 1;
    }
  }
  *column = static_cast<int>(offset - line_start);
}

bool DocBuilder::Fail(int line, int column, std::string message) {
  if (!failed()) error_ = {line, column, std::move(message)};
  return false;
}

bool DocBuilder::CountValues(int line, int column, size_t values) {
  total_values_ += values;
  if (total_values_ > kMaxValues) {
    return Fail(line, column,
                "more than " + std::to_string(kMaxValues) +
                    " values in one file (each use of an alias counts its anchor's values again)");
  }
  return true;
}

// Appends a finished (or, for a list or mapping, just opened) node to its parent.
bool DocBuilder::Add(DocNode* node) {
  if (open_.empty()) {
    if (tree_->root == nullptr) tree_->root = node;
    return true;
  }
  open_.back()->items.push_back(node);
  return true;
}

bool DocBuilder::Scalar(int line, int column, std::string text, bool plain, uint64_t anchor) {
  if (failed() || !CountValues(line, column, 1)) return false;
  DocNode& node = tree_->nodes.emplace_back();
  node.kind = DocNode::Kind::kScalar;
  node.plain = plain;
  node.line = line;
  node.column = column;
  node.scalar = std::move(text);
  if (anchor != 0) anchors_[anchor] = &node;
  return Add(&node);
}

bool DocBuilder::Null(int line, int column, uint64_t anchor) {
  if (failed() || !CountValues(line, column, 1)) return false;
  DocNode& node = tree_->nodes.emplace_back();
  node.line = line;
  node.column = column;
  if (anchor != 0) anchors_[anchor] = &node;
  return Add(&node);
}

bool DocBuilder::Alias(int line, int column, uint64_t anchor) {
  if (failed()) return false;
  auto it = anchors_.find(anchor);
  if (it == anchors_.end()) return Fail(line, column, "alias to an unknown anchor");
  const DocNode* target = it->second;
  if (std::find(open_.begin(), open_.end(), target) != open_.end()) {
    return Fail(line, column, "alias inside the node it refers to (a cycle)");
  }
  if (depth() + target->height > kMaxNesting) {
    return Fail(line, column,
                "lists and mappings nested more than " + std::to_string(kMaxNesting) +
                    " deep (through this alias)");
  }
  if (!CountValues(line, column, target->values)) return false;
  if (open_.empty()) {
    if (tree_->root == nullptr) tree_->root = target;
    return true;
  }
  open_.back()->items.push_back(target);
  return true;
}

bool DocBuilder::Start(DocNode::Kind kind, int line, int column, uint64_t anchor) {
  if (failed()) return false;
  if (depth() + 1 > kMaxNesting) {
    return Fail(line, column,
                "lists and mappings nested more than " + std::to_string(kMaxNesting) + " deep");
  }
  if (!CountValues(line, column, 1)) return false;
  DocNode& node = tree_->nodes.emplace_back();
  node.kind = kind;
  node.line = line;
  node.column = column;
  node.height = 1;
  if (anchor != 0) anchors_[anchor] = &node;
  Add(&node);
  open_.push_back(&node);
  return true;
}

bool DocBuilder::End() {
  if (failed() || open_.empty()) return false;
  DocNode* node = open_.back();
  open_.pop_back();
  for (const DocNode* item : node->items) {
    node->values += item->values;
    node->height = std::max(node->height, item->height + 1);
  }
  return true;
}

}  // namespace trestle::core
