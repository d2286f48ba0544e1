// Encoding side of the infer codec: response bodies, error bodies, model metadata.

#include <cmath>

#include <nlohmann/json.hpp>

#include "exec/row_json.h"
#include "serve/infer_codec.h"

namespace trestle::core {
namespace {

// Insertion-ordered so that bodies read in the protocol's order (model_name first).
using Json = nlohmann::ordered_json;

std::string Dump(const Json& j) {
  // A utf8 column may hold bytes that are not UTF-8; the body must stay valid JSON.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// IsoTimestampMicros without gmtime_r and snprintf, which cost about half a microsecond
/// a value (and glibc's gmtime_r takes a lock): "YYYY-MM-DDTHH:MM:SS.ffffffZ".
Json IsoTimestamp(int64_t micros) {
  int64_t secs = micros / 1000000, frac = micros % 1000000;
  if (frac < 0) frac += 1000000, secs -= 1;
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) sod += 86400, days -= 1;
  // Civil date of a day count (the proleptic Gregorian calendar in 400-year eras).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                    // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365], from March 1
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return IsoTimestampMicros(micros);  // not four digits: the general path

  char buf[27];
  auto put = [&buf](int at, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, year, 4);
  buf[4] = '-';
  put(5, month, 2);
  buf[7] = '-';
  put(8, day, 2);
  buf[10] = 'T';
  put(11, sod / 3600, 2);
  buf[13] = ':';
  put(14, sod / 60 % 60, 2);
  buf[16] = ':';
  put(17, sod % 60, 2);
  buf[19] = '.';
  put(20, frac, 6);
  buf[26] = 'Z';
  return Json::string_t(buf, sizeof buf);
}

Json CellValue(const trestle::Column& c, int64_t r) {
  if (c.is_null(r)) return nullptr;
  switch (c.type()) {
    case trestle::Type::Bool: return c.bool_at(r);
    case trestle::Type::Int32: return c.i32(r);
    case trestle::Type::Int64: return c.i64(r);
    case trestle::Type::Float32:
    case trestle::Type::Float64: {
      // Widening float32 is exact, and nlohmann writes the shortest text that reads back
      // as that double, so a client narrowing it again gets the float bit for bit.
      const double v = c.type() == trestle::Type::Float32 ? static_cast<double>(c.f32(r)) : c.f64(r);
      if (!std::isfinite(v)) return nullptr;
      return v;
    }
    case trestle::Type::Utf8: {
      const std::string_view s = c.str(r);
      return Json::string_t(s.data(), s.size());
    }
    case trestle::Type::TimestampUs: return IsoTimestamp(c.ts(r));
  }
  return nullptr;
}

// Finds a field's column in the batches rows point into. Consecutive rows nearly always
// share a batch, so the name lookup runs once per batch, not once per row.
class ColumnCursor {
 public:
  explicit ColumnCursor(const trestle::Field& field) : field_(field) {}

  /// The column of `field` in `o.batch` when o's row can be read there, else null.
  const trestle::Column* At(const RowOutcome& o) {
    if (o.batch == nullptr) return nullptr;
    if (o.batch.get() != batch_) {
      batch_ = o.batch.get();
      const int i = batch_->schema().index_of(field_.name);
      column_ = nullptr;
      if (i >= 0 && batch_->schema().field(static_cast<size_t>(i)).type == field_.type)
        column_ = &batch_->column(static_cast<size_t>(i));
    }
    if (column_ == nullptr || o.row < 0 || o.row >= column_->size()) return nullptr;
    return column_;
  }

 private:
  const trestle::Field& field_;
  const trestle::Batch* batch_ = nullptr;
  const trestle::Column* column_ = nullptr;
};

/// The response fields written: all of the schema, or those named in `outputs`, in order.
std::vector<const trestle::Field*> SelectedFields(const trestle::Schema& schema, const std::vector<std::string>& outputs) {
  std::vector<const trestle::Field*> fields;
  if (outputs.empty()) {
    for (const auto& f : schema.fields()) fields.push_back(&f);
    return fields;
  }
  for (const auto& name : outputs) {
    const int i = schema.index_of(name);
    if (i >= 0) fields.push_back(&schema.field(static_cast<size_t>(i)));
  }
  return fields;
}

Json RowError(const RowOutcome& o) {
  Json e = Json::object();
  e["node"] = o.node;
  e["code"] = o.code;
  e["reason"] = o.reason;
  return e;
}

Json Header(const InferRequest& req, const std::string& model_name, const std::string& model_version) {
  Json body = Json::object();
  body["model_name"] = model_name;
  body["model_version"] = model_version;
  if (!req.id.empty()) body["id"] = req.id;
  return body;
}

std::string EncodeV2(Json body, const std::vector<const trestle::Field*>& fields,
                     const std::vector<RowOutcome>& rows) {
  const size_t n = rows.size();
  Json::array_t outputs;
  outputs.reserve(fields.size());
  for (const trestle::Field* f : fields) {
    Json::array_t data;
    data.reserve(n);
    ColumnCursor cursor(*f);
    for (const RowOutcome& o : rows) {
      const trestle::Column* c = cursor.At(o);
      if (c == nullptr) data.emplace_back(nullptr);
      else data.push_back(CellValue(*c, o.row));
    }
    Json out = Json::object();
    out["name"] = f->name;
    out["datatype"] = V2Datatype(f->type);
    out["shape"] = Json::array({static_cast<int64_t>(n)});
    out["data"] = std::move(data);
    outputs.push_back(std::move(out));
  }
  body["outputs"] = std::move(outputs);

  Json::array_t errors;
  for (size_t i = 0; i < n; ++i) {
    if (rows[i].batch != nullptr) continue;
    Json e = Json::object();
    e["row"] = static_cast<int64_t>(i);
    e["node"] = rows[i].node;
    e["code"] = rows[i].code;
    e["reason"] = rows[i].reason;
    errors.push_back(std::move(e));
  }
  if (!errors.empty()) body["parameters"] = Json::object({{"row_errors", std::move(errors)}});
  return Dump(body);
}

std::string EncodeInstances(Json body, const std::vector<const trestle::Field*>& fields,
                            const std::vector<RowOutcome>& rows) {
  Json::array_t predictions(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].batch == nullptr) {
      predictions[i] = Json::object({{"error", RowError(rows[i])}});
    } else {
      predictions[i] = Json::object();
      predictions[i].get_ref<Json::object_t&>().reserve(fields.size());
    }
  }
  // Column by column, like the v2 form, so each column's lookup happens once per batch.
  // ordered_map is a vector of pairs: appending to it directly skips the linear search
  // for an existing key that operator[] would make (the field names are distinct).
  for (const trestle::Field* f : fields) {
    ColumnCursor cursor(*f);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].batch == nullptr) continue;
      const trestle::Column* c = cursor.At(rows[i]);
      predictions[i].get_ref<Json::object_t&>().emplace_back(f->name, c == nullptr ? Json(nullptr) : CellValue(*c, rows[i].row));
    }
  }
  body["predictions"] = std::move(predictions);
  return Dump(body);
}

Json TensorsMetadata(const trestle::Schema& schema) {
  Json::array_t tensors;
  tensors.reserve(schema.size());
  for (const auto& f : schema.fields()) {
    Json t = Json::object();
    t["name"] = f.name;
    t["datatype"] = V2Datatype(f.type);
    t["shape"] = Json::array({-1});
    tensors.push_back(std::move(t));
  }
  return tensors;
}

}  // namespace

const char* V2Datatype(trestle::Type t) {
  switch (t) {
    case trestle::Type::Bool: return "BOOL";
    case trestle::Type::Int32: return "INT32";
    case trestle::Type::Int64: return "INT64";
    case trestle::Type::Float32: return "FP32";
    case trestle::Type::Float64: return "FP64";
    case trestle::Type::Utf8:
    case trestle::Type::TimestampUs: return "BYTES";
  }
  return "BYTES";
}

std::string EncodeInferResponse(const InferRequest& req, const std::string& model_name, const std::string& model_version,
                                const trestle::Schema& response_schema, const std::vector<RowOutcome>& rows) {
  const auto fields = SelectedFields(response_schema, req.outputs);
  Json body = Header(req, model_name, model_version);
  if (req.form == InferForm::kInstances) return EncodeInstances(std::move(body), fields, rows);
  return EncodeV2(std::move(body), fields, rows);
}

std::string EncodeError(const std::string& message) { return Dump(Json::object({{"error", message}})); }

std::string EncodeModelMetadata(const std::string& name, const std::vector<std::string>& versions,
                                const trestle::Schema& request_schema, const trestle::Schema& response_schema) {
  Json body = Json::object();
  body["name"] = name;
  body["versions"] = versions;
  body["platform"] = "trestle";
  body["inputs"] = TensorsMetadata(request_schema);
  body["outputs"] = TensorsMetadata(response_schema);
  return Dump(body);
}

}  // namespace trestle::core
