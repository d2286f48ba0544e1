#include "schema_option.h"

#include <trestle/error.hpp>

namespace trestle_io {

std::string type_with_article(trestle::Type t) {
  switch (t) {
    case trestle::Type::Bool: return "a bool";
    case trestle::Type::Int32: return "an int32";
    case trestle::Type::Int64: return "an int64";
    case trestle::Type::Float32: return "a float32";
    case trestle::Type::Float64: return "a float64";
    case trestle::Type::Utf8: return "a utf8 string";
    case trestle::Type::TimestampUs: return "a timestamp";
  }
  return "a value";
}

std::string quote_excerpt(std::string_view v) {
  constexpr size_t kMax = 200;
  std::string s = "\"";
  if (v.size() <= kMax) {
    s.append(v);
  } else {
    size_t cut = kMax;
    // Back up over UTF-8 continuation bytes (at most 3) so no character is split.
    for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80; ++k) --cut;
    s.append(v.substr(0, cut));
    s += "...";
  }
  return s + "\"";
}

std::string misfit_reason(const std::string& column, std::string_view what, trestle::Type t, bool inferred) {
  std::string r = "column \"" + column + "\": ";
  r.append(what);
  r += " is not " + type_with_article(t);
  if (inferred)
    r += ", the type inferred from the sampled rows (to read such values, declare the column's type with the "
         "\"schema\" option)";
  return r;
}

}  // namespace trestle_io
