// Reading an infer request body, and the wording of refusals (infer_json.h).

#include "serve/infer_json.h"

#include "serve/infer_codec.h"

namespace trestle::core::infer {
namespace {

bool IsIdentifier(const std::string& k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Records where the parser gave up; used only to word the error of a body that failed.
struct ParseErrorSax {
  size_t position = 0;
  std::string reason;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(Json::number_integer_t) { return true; }
  bool number_unsigned(Json::number_unsigned_t) { return true; }
  bool number_float(Json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(Json::binary_t&) { return true; }
  bool start_object(size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(size_t pos, const std::string&, const Json::exception& ex) {
    position = pos;
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 6: <reason>".
    reason = ex.what();
    const size_t colon = reason.find(": ");
    if (colon != std::string::npos) reason.erase(0, colon + 2);
    constexpr size_t kMax = 200;
    if (reason.size() > kMax) reason = reason.substr(0, kMax - 3) + "...";
    return false;
  }
};

// True when arrays/objects nest deeper than `limit`. Exact for every text the parser
// accepts (brackets inside strings do not count); a linear scan, so a body of a million
// "[" is refused at once and without recursion.
bool NestedDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<Json> ParseBody(std::string_view body) {
  // Not with a parser callback, which nlohmann hands the depth: its callback parser
  // rescans the enclosing array at the end of every object, quadratic in the rows.
  if (NestedDeeperThan(body, kMaxInferJsonDepth))
    return InvalidArgument("nested deeper than " + std::to_string(kMaxInferJsonDepth) + " levels");
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ParseErrorSax sax;
    (void)Json::sax_parse(body.begin(), body.end(), &sax);
    return InvalidArgument("malformed JSON at byte " + std::to_string(sax.position) + ": " + sax.reason);
  }
  return j;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Quote(const std::string& s) { return Dump(Json(s)); }

std::string Member(const std::string& base, const std::string& key) {
  if (!IsIdentifier(key)) return base + "[" + Quote(key) + "]";
  return base.empty() ? key : base + "." + key;
}

std::string Index(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

std::string Describe(const Json& v) {
  constexpr size_t kMaxElements = 8, kMaxChars = 64;
  if (v.is_array() && v.size() > kMaxElements) return "an array of " + std::to_string(v.size());
  if (v.is_object() && v.size() > kMaxElements) return "an object";
  std::string s = Dump(v);
  if (s.size() > kMaxChars) s = s.substr(0, kMaxChars - 3) + "...";
  return s;
}

Status Refuse(const std::string& path, const std::string& what) {
  return InvalidArgument(path.empty() ? what : path + ": " + what);
}

Status Expected(const std::string& path, const std::string& what, const Json& got) {
  return Refuse(path, "expected " + what + ", got " + Describe(got));
}

}  // namespace trestle::core::infer
