#include "entry_decoder.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "timestamp_text.hpp"

namespace trestle_redis {

namespace {

using json = nlohmann::json;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool parse_int(const std::string& v, int64_t* out) {
  const char* b = v.data();
  const char* e = b + v.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, *out);
  return b != e && r.ec == std::errc() && r.ptr == e;
}

bool parse_double(const std::string& v, double* out) {
  const char* b = v.data();
  const char* e = b + v.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, *out);
  return b != e && r.ec == std::errc() && r.ptr == e;
}

std::string article(trestle::Type t) {
  switch (t) {
    case trestle::Type::Bool: return "a bool";
    case trestle::Type::Int32: return "an int32";
    case trestle::Type::Int64: return "an int64";
    case trestle::Type::Float32: return "a float32";
    case trestle::Type::Float64: return "a float64";
    case trestle::Type::Utf8: return "a string";
    case trestle::Type::TimestampUs: return "a timestamp (ISO 8601 text)";
  }
  return "a value";
}

}  // namespace

std::string shorten(const std::string& v) {
  constexpr size_t kMax = 100;
  if (v.size() <= kMax) return v;
  size_t cut = kMax;
  for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80; ++k) --cut;
  return v.substr(0, cut) + "...";
}

std::string excerpt(const std::string& v) { return "\"" + shorten(v) + "\""; }

EntryDecoder::EntryDecoder(trestle::Schema schema, std::string payload_field, std::string id_column)
    : schema_(std::move(schema)), payload_field_(std::move(payload_field)) {
  for (size_t c = 0; c < schema_.fields().size(); ++c) {
    const std::string& name = schema_.field(c).name;
    if (!id_column.empty() && name == id_column) id_index_ = static_cast<int>(c);
    else index_[name] = c;
  }
  cells_.resize(schema_.fields().size());
}

bool EntryDecoder::parse_text(size_t col, const std::string& v, std::string* reason) {
  const trestle::Field& f = schema_.field(col);
  Cell& c = cells_[col];
  auto misfit = [&] {
    *reason = "column \"" + f.name + "\": " + excerpt(v) + " is not " + article(f.type);
    return false;
  };
  if (f.type == trestle::Type::Utf8) {
    c.s = v;
    c.null = false;
    return true;
  }
  if (v.empty()) return true;  // null
  switch (f.type) {
    case trestle::Type::Bool: {
      const std::string l = lower(v);
      if (l == "true" || l == "1") c.b = true;
      else if (l == "false" || l == "0") c.b = false;
      else return misfit();
      break;
    }
    case trestle::Type::Int32:
      if (!parse_int(v, &c.i) || c.i < INT32_MIN || c.i > INT32_MAX) return misfit();
      break;
    case trestle::Type::Int64:
      if (!parse_int(v, &c.i)) return misfit();
      break;
    case trestle::Type::Float32:
      if (!parse_double(v, &c.d) ||
          (std::isfinite(c.d) && std::fabs(c.d) > static_cast<double>(std::numeric_limits<float>::max())))
        return misfit();
      break;
    case trestle::Type::Float64:
      if (!parse_double(v, &c.d)) return misfit();
      break;
    case trestle::Type::TimestampUs:
      if (!trestle_support::parse_timestamp(v, &c.i)) return misfit();
      break;
    case trestle::Type::Utf8: break;
  }
  c.null = false;
  return true;
}

bool EntryDecoder::decode_flat(const StreamEntry& e, std::string* reason) {
  for (const auto& [name, value] : e.fields) {
    auto it = index_.find(name);
    if (it == index_.end()) continue;
    if (!parse_text(it->second, value, reason)) return false;
  }
  return true;
}

bool EntryDecoder::decode_json(const StreamEntry& e, std::string* reason) {
  const std::string* payload = nullptr;
  for (const auto& [name, value] : e.fields)
    if (name == payload_field_) payload = &value;
  if (payload == nullptr) {
    *reason = "the entry has no field \"" + payload_field_ + "\" (option payload_field)";
    return false;
  }
  json doc = json::parse(*payload, nullptr, false);
  if (doc.is_discarded()) {
    *reason = "field \"" + payload_field_ + "\" is not valid JSON: " + excerpt(*payload);
    return false;
  }
  if (!doc.is_object()) {
    *reason = "field \"" + payload_field_ + "\" holds JSON that is not an object: " + excerpt(*payload);
    return false;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    auto col = index_.find(it.key());
    if (col == index_.end()) continue;
    const json& v = it.value();
    const trestle::Field& f = schema_.field(col->second);
    Cell& c = cells_[col->second];
    auto misfit = [&] {
      // The JSON text as it was: strings keep their quotes, numbers have none.
      *reason = "column \"" + f.name + "\": " + shorten(v.dump()) + " is not " + article(f.type);
      return false;
    };
    if (v.is_null()) continue;
    switch (f.type) {
      case trestle::Type::Bool:
        if (!v.is_boolean()) return misfit();
        c.b = v.get<bool>();
        break;
      case trestle::Type::Int32:
      case trestle::Type::Int64: {
        if (v.is_number_unsigned()) {
          if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return misfit();
          c.i = static_cast<int64_t>(v.get<uint64_t>());
        } else if (v.is_number_integer()) {
          c.i = v.get<int64_t>();
        } else {
          return misfit();
        }
        if (f.type == trestle::Type::Int32 && (c.i < INT32_MIN || c.i > INT32_MAX)) return misfit();
        break;
      }
      case trestle::Type::Float32:
      case trestle::Type::Float64:
        if (!v.is_number()) return misfit();
        c.d = v.get<double>();
        if (f.type == trestle::Type::Float32 && std::fabs(c.d) > static_cast<double>(std::numeric_limits<float>::max()))
          return misfit();
        break;
      case trestle::Type::Utf8:
        if (v.is_string()) c.s = v.get<std::string>();
        else if (v.is_number() || v.is_boolean()) c.s = v.dump();
        else return misfit();
        break;
      case trestle::Type::TimestampUs:
        if (!v.is_string() || !trestle_support::parse_timestamp(v.get<std::string>(), &c.i)) return misfit();
        break;
    }
    c.null = false;
  }
  return true;
}

bool EntryDecoder::append(const StreamEntry& e, std::vector<trestle::ColumnBuilder>& builders, std::string* reason) {
  for (Cell& c : cells_) c.null = true;
  if (id_index_ >= 0) {
    Cell& c = cells_[static_cast<size_t>(id_index_)];
    c.s = e.id;
    c.null = false;
  }
  if (!(payload_field_.empty() ? decode_flat(e, reason) : decode_json(e, reason))) return false;
  for (size_t col = 0; col < cells_.size(); ++col)
    if (cells_[col].null && !schema_.field(col).nullable) {
      *reason = "column \"" + schema_.field(col).name + "\" is missing or null, but option \"not_null\" lists it";
      return false;
    }
  for (size_t col = 0; col < cells_.size(); ++col) {
    const Cell& c = cells_[col];
    trestle::ColumnBuilder& b = builders[col];
    if (c.null) {
      b.append_null();
      continue;
    }
    switch (schema_.field(col).type) {
      case trestle::Type::Bool: b.append_bool(c.b); break;
      case trestle::Type::Int32: b.append_i32(static_cast<int32_t>(c.i)); break;
      case trestle::Type::Int64: b.append_i64(c.i); break;
      case trestle::Type::Float32: b.append_f32(static_cast<float>(c.d)); break;
      case trestle::Type::Float64: b.append_f64(c.d); break;
      case trestle::Type::Utf8: b.append_str(c.s); break;
      case trestle::Type::TimestampUs: b.append_ts(c.i); break;
    }
  }
  return true;
}

}  // namespace trestle_redis
