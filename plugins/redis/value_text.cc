#include "value_text.h"

#include <algorithm>
#include <charconv>

#include <trestle/error.hpp>

#include "timestamp_text.hpp"

namespace trestle_redis {

namespace {

template <typename T>
void append_number(std::string& out, T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void append_value_text(std::string& out, const trestle::Column& c, int64_t r) {
  switch (c.type()) {
    case trestle::Type::Bool: out += c.bool_at(r) ? "true" : "false"; break;
    case trestle::Type::Int32: append_number(out, c.i32(r)); break;
    case trestle::Type::Int64: append_number(out, c.i64(r)); break;
    case trestle::Type::Float32: append_number(out, c.f32(r)); break;
    case trestle::Type::Float64: append_number(out, c.f64(r)); break;
    case trestle::Type::Utf8: out.append(c.str(r)); break;
    case trestle::Type::TimestampUs: trestle_support::append_timestamp(out, c.ts(r)); break;
  }
}

std::vector<size_t> resolve_columns(const trestle::Schema& input, const trestle::StringList& names,
                                    const std::string& option, const std::vector<std::string>& exclude) {
  std::vector<size_t> out;
  if (names.empty()) {
    for (size_t c = 0; c < input.size(); ++c)
      if (std::find(exclude.begin(), exclude.end(), input.field(c).name) == exclude.end()) out.push_back(c);
    return out;
  }
  for (const auto& n : names) {
    const int i = input.index_of(n);
    if (i < 0)
      throw trestle::InvalidArgument("option \"" + option + "\" names column \"" + n +
                                     "\", which the input does not have (it has: " + input.names_list() + ")");
    if (std::find(out.begin(), out.end(), static_cast<size_t>(i)) != out.end())
      throw trestle::InvalidArgument("option \"" + option + "\" names column \"" + n + "\" twice");
    out.push_back(static_cast<size_t>(i));
  }
  return out;
}

}  // namespace trestle_redis
