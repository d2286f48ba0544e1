// YAML text into a DocTree through yaml-cpp's event parser (the same events its
// YAML::Load builds nodes from, so positions and scalar styles are those of yaml-cpp).
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <exception>
#include <optional>
#include <sstream>
#include <string>

#include "config/text_parse.h"
#include "config/utf8.h"

namespace trestle::core {
namespace {

class Events : public YAML::EventHandler {
 public:
  Events(ParsedText* out, int depth) : out_(out), builder_(&out->tree, depth) {}

  const DocBuilder& builder() const { return builder_; }
  /// Set when a document starts where the previous one did: yaml-cpp 0.7 does not consume
  /// a ',' outside flow collections and would return empty documents forever.
  const std::optional<YAML::Mark>& stuck() const { return stuck_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (out_->documents > 0 && mark.pos == last_start_.pos) {
      stuck_ = mark;
      return;
    }
    last_start_ = mark;
    ++out_->documents;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (Building(mark)) builder_.Null(mark.line, mark.column, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (Building(mark)) builder_.Alias(mark.line, mark.column, anchor);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!Building(mark)) return;
    // yaml-cpp decodes the escapes \N and \_ to the single bytes 0x85 and 0xA0, not to
    // UTF-8 (the text itself was checked); protobuf strings must be UTF-8.
    std::string text =
        FindInvalidUtf8(value) == std::string::npos ? value : RepairUtf8AsLatin1(value);
    // yaml-cpp tags plain scalars "?" and quoted or block ones "!".
    builder_.Scalar(mark.line, mark.column, std::move(text), tag == "?", anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    if (Building(mark)) builder_.Start(DocNode::Kind::kSequence, mark.line, mark.column, anchor);
  }
  void OnSequenceEnd() override {
    if (out_->documents == 1) builder_.End();
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    if (Building(mark)) builder_.Start(DocNode::Kind::kMapping, mark.line, mark.column, anchor);
  }
  void OnMapEnd() override {
    if (out_->documents == 1) builder_.End();
  }

 private:
  // Only the first document is kept; of the second, where it starts.
  bool Building(const YAML::Mark& mark) {
    if (out_->documents == 2 && out_->second_line < 0) {
      out_->second_line = mark.line;
      out_->second_column = mark.column;
    }
    return out_->documents == 1;
  }

  ParsedText* out_;
  DocBuilder builder_;
  YAML::Mark last_start_;
  std::optional<YAML::Mark> stuck_;
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// The text of 0-based `line`, without its '\n'; empty past the end.
std::string_view LineOf(std::string_view text, int line) {
  size_t start = 0;
  for (int i = 0; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  // yaml-cpp does not count a byte order mark as a column.
  if (line == 0 && text.substr(0, 3) == "\xEF\xBB\xBF") start = 3;
  return text.substr(start, text.find('\n', start) - start);
}

// yaml-cpp's errors about block structure that a tab where YAML wants indentation
// spaces causes ("illegal map value" for "\tkey: v", "illegal block entry" for "-\t- x").
bool IsBlockStructureError(const std::string& msg) {
  return msg == YAML::ErrorMsg::TAB_IN_INDENTATION || msg == YAML::ErrorMsg::MAP_VALUE ||
         msg == YAML::ErrorMsg::MAP_KEY || msg == YAML::ErrorMsg::BLOCK_ENTRY ||
         msg == YAML::ErrorMsg::END_OF_MAP || msg == YAML::ErrorMsg::END_OF_SEQ;
}

// The tab that caused a block-structure error at (line, column), if there is one: in the
// line's indentation (its leading blanks and block indicators "- ", "? ", ": "), or right
// before the '-' or '?' the error is at ("key:\t- x"). Returns its byte column or -1.
int TabColumn(std::string_view text, int line, int column) {
  std::string_view row = LineOf(text, line);
  for (size_t i = 0; i < row.size(); ++i) {
    char c = row[i];
    if (c == '\t') return static_cast<int>(i);
    if (c == ' ') continue;
    bool indicator =
        (c == '-' || c == '?' || c == ':') && (i + 1 == row.size() || IsBlank(row[i + 1]));
    if (!indicator) break;
  }
  if (column <= 0 || static_cast<size_t>(column) >= row.size()) return -1;
  if (row[column] != '-' && row[column] != '?') return -1;
  for (int i = column - 1; i >= 0 && IsBlank(row[i]); --i) {
    if (row[i] == '\t') return i;
  }
  return -1;
}

// yaml-cpp reads UTF-16 and UTF-32 too, recognised by a byte order mark or by zero bytes
// at the start; everything else is UTF-8.
bool IsUtf8Stream(std::string_view text) {
  if (text.size() < 2) return true;
  if (text[0] == '\0' || text[1] == '\0') return false;
  std::string_view start = text.substr(0, 2);
  return start != "\xFE\xFF" && start != "\xFF\xFE";
}

}  // namespace

bool ParseYamlText(std::string_view text, int depth, ParsedText* out, DocProblem* problem) {
  if (IsUtf8Stream(text)) {
    if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
      LineColumnOf(text, bad, &problem->line, &problem->column);
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
      problem->message = std::string("YAML syntax error: invalid UTF-8 (byte ") + byte +
                         "); a pipeline file is UTF-8 text";
      return false;
    }
  }
  std::istringstream stream{std::string(text)};
  Events events(out, depth);
  try {
    YAML::Parser parser(stream);
    // After a limit, the rest of the text is not worth parsing.
    while (!events.builder().failed() && !events.stuck() && parser.HandleNextDocument(events)) {
    }
  } catch (const YAML::Exception& e) {
    // A limit found first is the better message (yaml-cpp's own depth guard comes later).
    if (events.builder().failed()) {
      *problem = events.builder().error();
      return false;
    }
    problem->line = e.mark.line;
    problem->column = e.mark.column;
    problem->message = "YAML syntax error: " + e.msg;
    if (IsBlockStructureError(e.msg)) {
      int tab = TabColumn(text, e.mark.line, e.mark.column);
      if (tab >= 0) problem->column = tab;
      if (tab >= 0 || e.msg == YAML::ErrorMsg::TAB_IN_INDENTATION) {
        problem->message =
            "YAML syntax error: tab character in indentation (YAML indents with spaces only)";
      }
    }
    if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
      problem->message =
          "lists and mappings nested more than " + std::to_string(kMaxNesting) + " deep";
    }
    return false;
  }
  if (events.builder().failed()) {
    *problem = events.builder().error();
    return false;
  }
  if (const auto& at = events.stuck()) {
    problem->line = at->line;
    problem->column = at->column;
    std::string_view row = LineOf(text, at->line);
    problem->message = "YAML syntax error: unexpected ";
    if (at->column >= 0 && static_cast<size_t>(at->column) < row.size()) {
      problem->message += "'" + std::string(1, row[at->column]) + "'";
    } else {
      problem->message += "token";
    }
    return false;
  }
  return true;
}

}  // namespace trestle::core
