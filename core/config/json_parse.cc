// Strict JSON (RFC 8259) into a DocTree: nlohmann::json's SAX parser checks the syntax
// and decodes strings; a cursor that steps over the same tokens in the same order gives
// each value its line and column, which nlohmann does not report.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

#include "config/diagnostic.h"
#include "config/text_parse.h"

namespace trestle::core {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '+' || c == '-' ||
         c == '.';
}

struct Position {
  int line = 0;
  int column = 0;
};

// Steps over the tokens of text that the SAX parser has accepted, one per event.
class TokenCursor {
 public:
  explicit TokenCursor(std::string_view text) : text_(text) {
    if (text_.substr(0, kBom.size()) == kBom) pos_ = line_start_ = kBom.size();
  }

  // The next value, key or bracket: where it starts, and its text.
  std::string_view Next(Position* at) {
    while (pos_ < text_.size() &&
           (IsJsonSpace(text_[pos_]) || text_[pos_] == ',' || text_[pos_] == ':')) {
      if (text_[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
      ++pos_;
    }
    at->line = line_;
    at->column = static_cast<int>(pos_ - line_start_);
    size_t start = pos_;
    if (pos_ >= text_.size()) return {};
    char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
      pos_ = std::min(pos_ + 1, text_.size());
    } else if (c == '{' || c == '}' || c == '[' || c == ']') {
      ++pos_;
    } else {
      while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 0;
  size_t line_start_ = 0;
};

// Where a syntax error is, and what it is, in words.
struct JsonError {
  size_t offset = 0;
  std::string what;
};

std::string Between(const std::string& s, const std::string& from, const std::string& to) {
  size_t a = s.find(from);
  if (a == std::string::npos) return {};
  a += from.size();
  size_t b = to.empty() ? std::string::npos : s.find(to, a);
  return s.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

// nlohmann's name of a token ("string literal", "'}'") as a reader would say it.
std::string TokenName(const std::string& token) {
  if (token == "string literal") return "a string";
  if (token == "number literal") return "a number";
  if (token == "true literal") return "true";
  if (token == "false literal") return "false";
  if (token == "null literal") return "null";
  return token;
}

std::string CharName(char c) {
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X",
                  static_cast<unsigned>(static_cast<unsigned char>(c)));
    return buf;
  }
  return std::string("'") + c + "'";
}

// The start of the token that ends at `last` (inclusive).
size_t TokenStart(std::string_view text, size_t last, const std::string& token) {
  if (last >= text.size()) return text.size();
  if (token == "string literal" && text[last] == '"') {
    // Back to the opening quote: the first '"' not escaped by an odd run of backslashes.
    for (size_t i = last; i-- > 0;) {
      if (text[i] != '"') continue;
      size_t slashes = 0;
      while (slashes < i && text[i - 1 - slashes] == '\\') ++slashes;
      if (slashes % 2 == 0) return i;
    }
    return last;
  }
  if (token.size() > 8 && token.compare(token.size() - 8, 8, " literal") == 0) {
    // A number lexer reads one character past the number.
    size_t end = last;
    if (token == "number literal" && !IsWordChar(text[end]) && end > 0) --end;
    while (end > 0 && IsWordChar(text[end - 1])) --end;
    return end;
  }
  return last;
}

JsonError Explain(std::string_view text, size_t position, const std::string& what) {
  // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 8: syntax
  // error while parsing object key - unexpected '}'; expected string literal". The
  // position is one past the last byte read.
  size_t last = position == 0 ? 0 : std::min(position - 1, text.size());
  std::string message = what.substr(what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2);
  std::string context = Between(message, "while parsing ", " - ");
  std::string detail = Between(message, " - ", "");
  // "<what>[; last read: '<token>'][; expected <token>]"; <what> may hold "; expected"
  // itself ("invalid number; expected digit after '.'").
  std::string expected;
  std::string rest = detail;
  if (size_t e = detail.find("; last read: "); e != std::string::npos) detail.resize(e);
  rest.erase(0, detail.size());
  if (size_t e = rest.empty() ? detail.rfind("; expected ") : rest.rfind("; expected ");
      e != std::string::npos) {
    std::string& from = rest.empty() ? detail : rest;
    expected = from.substr(e + 11);
    if (rest.empty()) detail.resize(e);
  }

  if (what.find("out_of_range.406") != std::string::npos) {  // number overflow parsing '1e400'
    std::string number = Between(message, "'", "'");
    size_t start = TokenStart(text, last, "number literal");
    return {start, "number " + number + " is out of range"};
  }
  if (detail.rfind("unexpected ", 0) == 0) {
    std::string token = detail.substr(11);
    if (token == "end of input") {
      return {text.size(), "unexpected end of file" +
                               (expected.empty() ? std::string() : "; expected " + expected)};
    }
    size_t start = TokenStart(text, last, token);
    if (token == "'}'" || token == "']'") {
      size_t before = start;
      while (before > 0 && IsJsonSpace(text[before - 1])) --before;
      if (before > 0 && text[before - 1] == ',') {
        return {before - 1, "trailing comma before " + token};
      }
    }
    if (token == "number literal" && (context == "object" || context == "array")) {
      // "01" lexes as 0 then 1; the start found above is that of "01".
      std::string_view number = text.substr(start, last + 1 - start);
      while (!number.empty() && !IsWordChar(number.back())) number.remove_suffix(1);
      std::string_view digits = number.substr(number.rfind('-', 0) == 0 ? 1 : 0);
      if (digits.size() > 1 && digits[0] == '0' &&
          std::isdigit(static_cast<unsigned char>(digits[1]))) {
        return {start, "invalid number " + Quote(number) +
                           ": a number cannot start with 0 unless it is 0"};
      }
    }
    std::string found = TokenName(token);
    if (context == "object key") return {start, "expected a key in double quotes, found " + found};
    if (context == "object separator") return {start, "expected ':' after the key, found " + found};
    if (context == "object") return {start, "expected ',' or '}' after a value, found " + found};
    if (context == "array") return {start, "expected ',' or ']' after a value, found " + found};
    if (expected == "end of input") {
      return {start, "unexpected " + found + " after the end of the top-level value"};
    }
    return {start, "expected a value, found " + found};
  }
  if (detail == "invalid literal" && !text.empty()) {
    last = std::min(last, text.size() - 1);  // a literal cut short by the end of the file
    char c = text[last];
    if (c == '/') return {last, "comments are not allowed in JSON"};
    if (c == '\'') return {last, "strings must be in double quotes, not single quotes"};
    size_t end = last;
    if (!IsWordChar(text[end]) && end > 0 && IsWordChar(text[end - 1])) --end;
    size_t start = end;
    while (start > 0 && IsWordChar(text[start - 1])) --start;
    size_t stop = start;
    while (stop < text.size() && IsWordChar(text[stop])) ++stop;
    std::string word(text.substr(start, stop - start));
    if (expected == "end of input") {
      std::string found = IsWordChar(text[end]) && !word.empty() ? Quote(word) : CharName(c);
      return {IsWordChar(text[end]) ? start : last,
              "unexpected " + found + " after the end of the top-level value"};
    }
    if (!IsWordChar(text[end]) || word.empty()) {
      return {last, "unexpected character " + CharName(c)};
    }
    if (context == "object key") {
      return {start, "keys must be in double quotes, found " + Quote(word)};
    }
    return {start, "invalid value " + Quote(word) +
                       " (expected a string in double quotes, a number, true, false, null, an "
                       "object or an array)"};
  }
  if (detail.rfind("invalid string: control character U+000A", 0) == 0) {
    return {last, "string not closed at the end of the line (a JSON string cannot span lines)"};
  }
  if (detail.rfind("invalid string: ", 0) == 0) return {last, detail};
  if (detail.rfind("invalid number; ", 0) == 0) {  // "1." or "-": at the number's start
    return {TokenStart(text, last, "number literal"), "invalid number: " + detail.substr(16)};
  }
  return {last, detail.empty() ? message : detail};
}

class SaxToTree {
 public:
  using json = nlohmann::json;

  SaxToTree(std::string_view text, ParsedText* out)
      : text_(text), cursor_(text), builder_(&out->tree) {}

  const DocBuilder& builder() const { return builder_; }
  const JsonError& syntax_error() const { return syntax_error_; }
  bool has_syntax_error() const { return has_syntax_error_; }

  bool null() {
    Position at;
    cursor_.Next(&at);
    return builder_.Null(at.line, at.column);
  }
  bool boolean(bool) { return Plain(); }
  bool number_integer(json::number_integer_t) { return Plain(); }
  bool number_unsigned(json::number_unsigned_t) { return Plain(); }
  bool number_float(json::number_float_t, const json::string_t&) { return Plain(); }
  bool string(json::string_t& value) { return Quoted(value); }
  bool key(json::string_t& value) { return Quoted(value); }
  bool binary(json::binary_t&) { return false; }  // not in JSON text
  bool start_object(std::size_t) { return Start(DocNode::Kind::kMapping); }
  bool start_array(std::size_t) { return Start(DocNode::Kind::kSequence); }
  bool end_object() { return End(); }
  bool end_array() { return End(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    has_syntax_error_ = true;
    syntax_error_ = Explain(text_, position, e.what());
    return false;
  }

 private:
  // Numbers keep their spelling ("1.10"), as in YAML.
  bool Plain() {
    Position at;
    std::string_view token = cursor_.Next(&at);
    return builder_.Scalar(at.line, at.column, std::string(token), true);
  }
  bool Quoted(json::string_t& value) {
    Position at;
    cursor_.Next(&at);
    return builder_.Scalar(at.line, at.column, std::move(value), false);
  }
  bool Start(DocNode::Kind kind) {
    Position at;
    cursor_.Next(&at);
    return builder_.Start(kind, at.line, at.column);
  }
  bool End() {
    Position at;
    cursor_.Next(&at);
    return builder_.End();
  }

  std::string_view text_;
  TokenCursor cursor_;
  DocBuilder builder_;
  JsonError syntax_error_;
  bool has_syntax_error_ = false;
};

}  // namespace

bool ParseJsonText(std::string_view text, ParsedText* out, DocProblem* problem) {
  SaxToTree sax(text, out);
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax,
                                      nlohmann::json::input_format_t::json, /*strict=*/true,
                                      /*ignore_comments=*/false);
  if (sax.has_syntax_error()) {
    Position at;
    LineColumnOf(text, sax.syntax_error().offset, &at.line, &at.column);
    *problem = {at.line, at.column, "JSON syntax error: " + sax.syntax_error().what};
    return false;
  }
  if (sax.builder().failed()) {
    *problem = sax.builder().error();
    return false;
  }
  if (!ok) {
    *problem = {-1, -1, "JSON syntax error"};
    return false;
  }
  out->documents = 1;
  return true;
}

}  // namespace trestle::core
