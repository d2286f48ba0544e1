#include "jsonl_source.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "schema_option.h"
#include "timestamp_text.hpp"

namespace trestle_io {

namespace {

constexpr size_t kMaxSampleBytes = size_t{16} << 20;
// Rows reserved up front per batch: max_rows may be huge; builders grow past this.
constexpr int64_t kReserveRows = 65536;

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

std::string json_text(const std::string& s) {
  constexpr size_t kMax = 200;
  std::string out = "\"";
  out.append(s, 0, std::min(s.size(), kMax));
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

// What the sampled values of one key were, to pick its column type.
struct KindSeen {
  bool boolean = false, integer = false, floating = false, string = false, nested = false;

  bool only_nested() const { return nested && !boolean && !integer && !floating && !string; }
  trestle::Type type() const {
    if (string || nested || (boolean && (integer || floating))) return trestle::Type::Utf8;
    if (floating) return trestle::Type::Float64;
    if (integer) return trestle::Type::Int64;
    if (boolean) return trestle::Type::Bool;
    return trestle::Type::Utf8;
  }
};

}  // namespace

// nlohmann SAX handler that turns one line into the cells of one row, without building
// a JSON document. Returns false (stopping the parse) at the first value that does not
// fit its column, with the reason in error().
class JsonRowHandler {
 public:
  using json = nlohmann::json;

  struct Cell {
    bool null = true;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    std::string s;  // reused: no allocation once warm
  };

  explicit JsonRowHandler(const trestle::Schema& schema) : schema_(schema), cells_(schema.size()) {
    for (size_t c = 0; c < schema.size(); ++c) {
      index_.emplace(schema.field(c).name, static_cast<int>(c));
      types_.push_back(schema.field(c).type);
    }
  }

  void reset() {
    for (auto& c : cells_) c.null = true;
    depth_ = 0;
    col_ = -1;
    unknown_ = 0;
    error_.clear();
  }
  const std::vector<Cell>& cells() const { return cells_; }
  const std::vector<trestle::Type>& types() const { return types_; }
  const std::string& error() const { return error_; }
  int64_t unknown_fields() const { return unknown_; }

  // ---- nlohmann SAX interface
  bool null() {
    if (depth_ == 0) return not_object();
    if (target()) cells_[static_cast<size_t>(col_)].null = true;
    return true;
  }
  bool boolean(bool v) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Bool: c.b = v; break;
      case trestle::Type::Utf8: c.s.assign(v ? "true" : "false"); break;
      default: return mismatch(v ? "true" : "false");
    }
    c.null = false;
    return true;
  }
  bool number_integer(json::number_integer_t v) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Int64: c.i = v; break;
      case trestle::Type::Int32:
        if (v < INT32_MIN || v > INT32_MAX) return mismatch(std::to_string(v));
        c.i = v;
        break;
      case trestle::Type::Float32:
      case trestle::Type::Float64: c.d = static_cast<double>(v); break;
      case trestle::Type::Utf8: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        c.s.assign(buf, r.ptr);
        break;
      }
      default: return mismatch(std::to_string(v));
    }
    c.null = false;
    return true;
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (v <= static_cast<uint64_t>(INT64_MAX)) return number_integer(static_cast<int64_t>(v));
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Float32:
      case trestle::Type::Float64: c.d = static_cast<double>(v); break;
      case trestle::Type::Utf8: c.s = std::to_string(v); break;
      default: return mismatch(std::to_string(v));
    }
    c.null = false;
    return true;
  }
  bool number_float(json::number_float_t v, const std::string& text) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Float32:
      case trestle::Type::Float64: c.d = v; break;
      case trestle::Type::Utf8: c.s.assign(text); break;
      default: return mismatch(text);
    }
    c.null = false;
    return true;
  }
  bool string(std::string& v) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Utf8: c.s.assign(v); break;
      case trestle::Type::TimestampUs:
        if (!trestle_support::parse_timestamp(v, &c.i)) return mismatch(json_text(v));
        break;
      default: return mismatch(json_text(v));
    }
    c.null = false;
    return true;
  }
  bool binary(json::binary_t&) { return mismatch("a binary value"); }
  bool start_object(std::size_t) { return open_nested("an object"); }
  bool start_array(std::size_t) {
    if (depth_ == 0) return not_object();
    return open_nested("an array");
  }
  bool end_object() { return --depth_, true; }
  bool end_array() { return --depth_, true; }
  bool key(std::string& k) {
    if (depth_ != 1) return true;
    auto it = index_.find(k);
    if (it == index_.end()) {
      col_ = -1;
      ++unknown_;
    } else {
      col_ = it->second;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    if (!what.empty() && what[0] == '[') {
      size_t close = what.find("] ");
      if (close != std::string::npos) what.erase(0, close + 2);
    }
    error_ = "invalid JSON: " + what;
    return false;
  }

 private:
  bool target() const { return depth_ == 1 && col_ >= 0; }
  Cell& cell() { return cells_[static_cast<size_t>(col_)]; }
  trestle::Type type() const { return types_[static_cast<size_t>(col_)]; }
  bool not_object() {
    error_ = "the line is not a JSON object";
    return false;
  }
  bool mismatch(const std::string& value) {
    error_ = "column \"" + schema_.field(static_cast<size_t>(col_)).name + "\": " + value + " is not " +
             type_with_article(type());
    return false;
  }
  bool open_nested(const char* what) {
    if (depth_ == 1 && col_ >= 0) return mismatch(what);
    ++depth_;
    return true;
  }

  const trestle::Schema& schema_;
  std::unordered_map<std::string, int> index_;
  std::vector<trestle::Type> types_;
  std::vector<Cell> cells_;
  int depth_ = 0;
  int col_ = -1;
  int64_t unknown_ = 0;
  std::string error_;
};

trestle::OperatorSpec JsonlSource::spec() {
  return trestle::OperatorSpec("jsonl_source",
                               "Reads a file of JSON objects, one per line, in batches. Column types come from "
                               "the `schema` option or are inferred from the first infer_rows lines. Lines that "
                               "are not valid JSON objects or hold a wrongly typed value are dead-lettered with "
                               "file:line and a reason; fields outside the schema are ignored and counted.")
      .param<std::string>("path", "JSONL file to read").required()
      .param<trestle::StringMap>("schema",
                                 "column -> type (bool, int32, int64, float32, float64, utf8, timestamp); when "
                                 "given, exactly these columns, in name order")
      .param<int64_t>("infer_rows", "lines sampled at open() to infer the schema when none is declared",
                      int64_t{1000})
      .min(1)
      .output_doc("the declared columns, or the keys of the sampled lines in order of first appearance; every "
                  "column nullable")
      .serial();
}

JsonlSource::JsonlSource(const trestle::Options& o)
    : path_(o.get<std::string>("path")),
      infer_rows_(o.get_or<int64_t>("infer_rows", 1000)),
      declared_(parse_schema_option(o)) {
  if (path_.empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  if (infer_rows_ < 1) throw trestle::InvalidArgument("option \"infer_rows\" must be at least 1");
}

JsonlSource::~JsonlSource() = default;

trestle::Schema JsonlSource::infer_schema() {
  std::vector<std::string> order;
  std::map<std::string, KindSeen> seen;
  int64_t objects = 0;
  Line line;
  for (int64_t n = 0; n < infer_rows_ && reader_.bytes_since_mark() <= kMaxSampleBytes && reader_.next(&line);) {
    if (blank(line.text)) continue;
    ++n;
    if (line.too_long) continue;
    auto doc = nlohmann::ordered_json::parse(line.text.begin(), line.text.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) continue;
    ++objects;
    for (const auto& [key, value] : doc.items()) {
      auto [it, fresh] = seen.try_emplace(key);
      if (fresh) order.push_back(key);
      KindSeen& k = it->second;
      if (value.is_boolean()) k.boolean = true;
      else if (value.is_number_unsigned()) (value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? k.floating : k.integer) = true;
      else if (value.is_number_integer()) k.integer = true;
      else if (value.is_number_float()) k.floating = true;
      else if (value.is_string()) k.string = true;
      else if (value.is_structured()) k.nested = true;
    }
  }
  if (objects == 0)
    throw trestle::InvalidArgument("\"" + path_ + "\" has no JSON object in its first " + std::to_string(infer_rows_) +
                                   " lines to infer a schema from; declare one with the \"schema\" option");
  std::vector<trestle::Field> fields;
  for (const auto& key : order) {
    const KindSeen& k = seen.at(key);
    if (k.only_nested()) continue;  // ABI 1 has no nested types: ignored like unknown fields
    fields.push_back(trestle::Field{key, k.type(), true});
  }
  if (fields.empty())
    throw trestle::InvalidArgument("\"" + path_ + "\": the sampled objects have no scalar field to make a column of");
  return trestle::Schema(std::move(fields));
}

trestle::Schema JsonlSource::open() {
  reader_.open(path_);
  done_ = false;
  pending_rows_ = 0;
  if (declared_.empty()) {
    reader_.set_mark();
    trestle::Schema s = infer_schema();
    reader_.reset_to_mark();
    schema_ = std::move(s);
  } else {
    std::vector<trestle::Field> fields;
    for (const auto& [name, type] : declared_) fields.push_back(trestle::Field{name, type, true});
    schema_ = trestle::Schema(std::move(fields));
  }
  handler_ = std::make_unique<JsonRowHandler>(schema_);
  builders_.clear();
  for (const auto& f : schema_.fields()) builders_.emplace_back(f.type);
  opened_ = true;
  return schema_;
}

std::optional<trestle::Batch> JsonlSource::next(int64_t max_rows, trestle::Context& ctx) {
  if (!opened_) throw trestle::Internal("jsonl_source: next() before open()");
  const int64_t limit = std::max<int64_t>(1, max_rows);
  if (pending_rows_ == 0)
    for (auto& b : builders_) b.reserve(std::min<int64_t>(limit, kReserveRows));
  JsonRowHandler& h = *handler_;
  const auto& cells = h.cells();
  const auto& types = h.types();
  int64_t unknown = 0, blank_lines = 0;
  Line line;
  while (!done_ && pending_rows_ < limit) {
    if (!reader_.next(&line)) {
      done_ = true;
      break;
    }
    if (blank(line.text)) {
      ++blank_lines;
      continue;
    }
    if (line.too_long) {
      ctx.reject_record(std::string(line.text), location(line.number), "line exceeds the 32 MiB limit");
      continue;
    }
    h.reset();
    if (!nlohmann::json::sax_parse(line.text.begin(), line.text.end(), &h)) {
      ctx.reject_record(std::string(line.text), location(line.number),
                        h.error().empty() ? std::string("invalid JSON") : h.error());
      continue;
    }
    unknown += h.unknown_fields();
    for (size_t c = 0; c < builders_.size(); ++c) {
      const auto& cell = cells[c];
      trestle::ColumnBuilder& b = builders_[c];
      if (cell.null) {
        b.append_null();
        continue;
      }
      switch (types[c]) {
        case trestle::Type::Bool: b.append_bool(cell.b); break;
        case trestle::Type::Int32: b.append_i32(static_cast<int32_t>(cell.i)); break;
        case trestle::Type::Int64: b.append_i64(cell.i); break;
        case trestle::Type::Float32: b.append_f32(static_cast<float>(cell.d)); break;
        case trestle::Type::Float64: b.append_f64(cell.d); break;
        case trestle::Type::TimestampUs: b.append_ts(cell.i); break;
        case trestle::Type::Utf8: b.append_str(cell.s); break;
      }
    }
    ++pending_rows_;
  }
  if (unknown > 0) ctx.count("unknown_fields", static_cast<double>(unknown));
  if (blank_lines > 0) ctx.count("blank_lines", static_cast<double>(blank_lines));
  ctx.progress(static_cast<double>(reader_.offset()), static_cast<double>(reader_.file_size()));
  if (pending_rows_ == 0) return std::nullopt;
  std::vector<trestle::Column> cols;
  cols.reserve(builders_.size());
  for (auto& b : builders_) cols.push_back(b.finish());
  pending_rows_ = 0;
  return trestle::Batch(schema_, std::move(cols));
}

void JsonlSource::close(trestle::Context&) { reader_.close(); }

}  // namespace trestle_io
