// Parsing side of the infer codec: a request body (KServe v2 or instances) to a Batch of
// the request schema. Every refusal names the offending field as a JSON path.

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "serve/infer_codec.h"
#include "serve/infer_json.h"
#include "serve/infer_values.h"

namespace trestle::core {
namespace {

using infer::Accept;
using infer::ColumnSink;
using infer::DatatypeAdvice;
using infer::Describe;
using infer::Expected;
using infer::FindV2Type;
using infer::Fit;
using infer::Index;
using infer::InstanceAccept;
using infer::Json;
using infer::Member;
using infer::Quote;
using infer::Refuse;
using infer::V2Type;

// ---------------------------------------------------------------------------------------
// Small field checks

Status CheckKeys(const Json& obj, const std::string& path, std::initializer_list<const char*> allowed,
                 const std::string& what_has) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return Refuse(Member(path, key), path.empty() ? "unknown top-level key; " + what_has : "unknown key; " + what_has);
  }
  return Status::Ok();
}

Status ParseId(const Json& obj, std::string* id) {
  auto it = obj.find("id");
  if (it == obj.end()) return Status::Ok();
  if (!it->is_string()) return Expected("id", "a string", *it);
  *id = it->get<std::string>();
  return Status::Ok();
}

Result<int64_t> ParseTimeout(const Json& v, const std::string& path) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() == 0 ||
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return Expected(path, "a positive integer (milliseconds)", v);
  return static_cast<int64_t>(v.get<uint64_t>());
}

/// Refuses `key` of a parameters object unless it is absent or false.
Status RefuseBinary(const Json& params, const std::string& path, const char* key, bool false_is_fine) {
  auto it = params.find(key);
  if (it == params.end()) return Status::Ok();
  if (false_is_fine && it->is_boolean() && !it->get<bool>()) return Status::Ok();
  return Refuse(Member(path, key), "not supported: binary tensor data");
}

/// The object at `key` of `obj`, or null when there is none.
Result<const Json*> OptionalObject(const Json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return static_cast<const Json*>(nullptr);
  if (!it->is_object()) return Expected(Member(path, key), "an object", *it);
  return &*it;
}

// ---------------------------------------------------------------------------------------
// KServe v2

/// Appends the leaves of a v2 "data" array, flat or nested row-major, to a sink. Nested
/// arrays must be regular: at each level every array has the same length and holds only
/// arrays or only values. Recursion is bounded by kMaxInferJsonDepth.
class DataWalker {
 public:
  DataWalker(ColumnSink& sink, std::string path) : sink_(sink), path_(std::move(path)) {}

  Status Walk(const Json& data) { return WalkArray(data, 0); }
  int64_t count() const { return count_; }

 private:
  enum Level : int8_t { kUnknown, kArrays, kValues };

  Status WalkArray(const Json& a, size_t depth) {
    if (lengths_.size() <= depth) lengths_.resize(depth + 1, -1);
    if (kinds_.size() <= depth) kinds_.resize(depth + 1, kUnknown);
    const auto n = static_cast<int64_t>(a.size());
    if (lengths_[depth] < 0) {
      lengths_[depth] = n;
    } else if (lengths_[depth] != n) {
      return Refuse(Path(), "ragged nested data: " + std::to_string(n) + " values here, " +
                                std::to_string(lengths_[depth]) + " in the first array at this level");
    }
    for (size_t i = 0; i < a.size(); ++i) {
      const Json& e = a[i];
      index_.push_back(i);
      const Level kind = e.is_array() ? kArrays : kValues;
      if (kinds_[depth] == kUnknown) kinds_[depth] = kind;
      if (kinds_[depth] != kind)
        return Refuse(Path(), kind == kArrays ? "ragged nested data: an array where the others at this level are values"
                                              : "ragged nested data: a value where the others at this level are arrays");
      if (kind == kArrays) {
        TRESTLE_RETURN_IF_ERROR(WalkArray(e, depth + 1));
      } else {
        if (auto why = sink_.Append(e)) return Refuse(Path(), *why);
        ++count_;
      }
      index_.pop_back();
    }
    return Status::Ok();
  }

  std::string Path() const {
    std::string p = path_;
    for (size_t i : index_) p = Index(p, i);
    return p;
  }

  ColumnSink& sink_;
  std::string path_;
  std::vector<size_t> index_;
  std::vector<int64_t> lengths_;  // per depth: the length of the first array there
  std::vector<Level> kinds_;      // per depth: what the arrays there hold
  int64_t count_ = 0;
};

/// One v2 input tensor, checked but not yet read.
struct V2Input {
  int column = -1;
  std::string path;
  const Json* data = nullptr;
  std::string shape_text;
  int64_t rows = 0;
};

Result<int64_t> ParseShape(const Json& input, const std::string& path, std::string* text) {
  const std::string p = Member(path, "shape");
  auto it = input.find("shape");
  if (it == input.end()) return Refuse(p, "missing; expected [n] or [n, 1]");
  const Json& s = *it;
  bool ok = s.is_array() && (s.size() == 1 || s.size() == 2);
  for (size_t i = 0; ok && i < s.size(); ++i) ok = s[i].is_number_unsigned();
  if (ok && s.size() == 2 && s[1].get<uint64_t>() != 1) ok = false;
  if (!ok) return Expected(p, "[n] or [n, 1] (each input is one column of n rows)", s);
  const uint64_t n = s[0].get<uint64_t>();
  if (n == 0) return Refuse(p, "no rows; a request has at least one");
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Refuse(p, "too many rows");
  *text = s.size() == 1 ? "[" + std::to_string(n) + "]" : "[" + std::to_string(n) + ", 1]";
  return static_cast<int64_t>(n);
}

Status ParseOutputs(const Json& outputs, const trestle::Schema& response_schema, std::vector<std::string>* names) {
  if (!outputs.is_array()) return Expected("outputs", "an array of {\"name\"}", outputs);
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string path = Index("outputs", k);
    const Json& o = outputs[k];
    if (!o.is_object()) return Expected(path, "an object {\"name\"}", o);
    TRESTLE_RETURN_IF_ERROR(CheckKeys(o, path, {"name", "parameters"}, "an output has name, parameters"));
    auto name = o.find("name");
    if (name == o.end()) return Refuse(Member(path, "name"), "missing");
    if (!name->is_string()) return Expected(Member(path, "name"), "a string", *name);
    const std::string& n = name->get_ref<const std::string&>();
    if (!response_schema.has(n))
      return Refuse(Member(path, "name"), "unknown output " + Quote(n) + "; the outputs are: " + response_schema.names_list());
    for (size_t j = 0; j < names->size(); ++j)
      if ((*names)[j] == n) return Refuse(Member(path, "name"), "output " + Quote(n) + " appears twice (also " + Index("outputs", j) + ")");
    auto params = OptionalObject(o, path, "parameters");
    if (!params.ok()) return params.status();
    if (*params != nullptr)
      TRESTLE_RETURN_IF_ERROR(RefuseBinary(**params, Member(path, "parameters"), "binary_data", true));
    names->push_back(n);
  }
  return Status::Ok();
}

Result<InferRequest> ParseV2(const Json& body, const trestle::Schema& request_schema,
                             const trestle::Schema& response_schema) {
  TRESTLE_RETURN_IF_ERROR(CheckKeys(body, "", {"id", "parameters", "inputs", "outputs"},
                                    "a KServe v2 request has id, parameters, inputs, outputs"));
  InferRequest req;
  req.form = InferForm::kV2;
  TRESTLE_RETURN_IF_ERROR(ParseId(body, &req.id));
  auto params = OptionalObject(body, "", "parameters");
  if (!params.ok()) return params.status();
  if (*params != nullptr) {
    const Json& p = **params;
    if (auto t = p.find("timeout_ms"); t != p.end()) {
      auto ms = ParseTimeout(*t, "parameters.timeout_ms");
      if (!ms.ok()) return ms.status();
      req.timeout_ms = *ms;
    }
    TRESTLE_RETURN_IF_ERROR(RefuseBinary(p, "parameters", "binary_data_output", true));
  }

  const Json& inputs = body.at("inputs");
  if (!inputs.is_array() || inputs.empty()) return Expected("inputs", "a non-empty array of input tensors", inputs);
  std::vector<V2Input> parsed;
  std::vector<int> input_of(request_schema.size(), -1);  // column -> index into `inputs`
  std::vector<std::optional<ColumnSink>> sinks(request_schema.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    V2Input in;
    in.path = Index("inputs", k);
    const Json& input = inputs[k];
    if (!input.is_object()) return Expected(in.path, "an input tensor object {name, shape, datatype, data}", input);
    TRESTLE_RETURN_IF_ERROR(
        CheckKeys(input, in.path, {"name", "shape", "datatype", "data", "parameters"}, "an input has name, shape, datatype, data, parameters"));

    const std::string name_path = Member(in.path, "name");
    auto name = input.find("name");
    if (name == input.end()) return Refuse(name_path, "missing");
    if (!name->is_string()) return Expected(name_path, "a string", *name);
    const std::string& n = name->get_ref<const std::string&>();
    in.column = request_schema.index_of(n);
    if (in.column < 0)
      return Refuse(name_path, "unknown input " + Quote(n) + "; the inputs are: " + request_schema.names_list());
    const auto col = static_cast<size_t>(in.column);
    if (input_of[col] >= 0)
      return Refuse(name_path, "input " + Quote(n) + " appears twice (also " + Index("inputs", static_cast<size_t>(input_of[col])) + ")");
    input_of[col] = static_cast<int>(k);
    const trestle::Field& field = request_schema.field(col);

    auto in_params = OptionalObject(input, in.path, "parameters");
    if (!in_params.ok()) return in_params.status();
    if (*in_params != nullptr) {
      const std::string pp = Member(in.path, "parameters");
      TRESTLE_RETURN_IF_ERROR(RefuseBinary(**in_params, pp, "binary_data_size", false));
      TRESTLE_RETURN_IF_ERROR(RefuseBinary(**in_params, pp, "binary_data", true));
    }

    const std::string dt_path = Member(in.path, "datatype");
    auto dt = input.find("datatype");
    if (dt == input.end()) return Refuse(dt_path, "missing; " + DatatypeAdvice(field.type));
    if (!dt->is_string()) return Expected(dt_path, "a string", *dt);
    const V2Type* type = FindV2Type(dt->get_ref<const std::string&>());
    if (type == nullptr)
      return Refuse(dt_path, Describe(*dt) +
                                 " is not a KServe v2 datatype (BOOL, INT8..INT64, UINT8..UINT64, FP16, FP32, FP64, BYTES); " +
                                 DatatypeAdvice(field.type));
    const auto accept = Fit(*type, field.type);
    if (!accept)
      return Refuse(dt_path, std::string(type->name) + " does not fit column " + Quote(field.name) + " (" +
                                 type_name(field.type) + "); " + DatatypeAdvice(field.type));

    auto rows = ParseShape(input, in.path, &in.shape_text);
    if (!rows.ok()) return rows.status();
    in.rows = *rows;
    if (!parsed.empty() && in.rows != parsed[0].rows)
      return Refuse(Member(in.path, "shape"), std::to_string(in.rows) + " rows, but " + parsed[0].path + " has " +
                                                  std::to_string(parsed[0].rows) + "; every input has the same number of rows");

    auto data = input.find("data");
    if (data == input.end()) return Refuse(Member(in.path, "data"), "missing");
    if (!data->is_array()) return Expected(Member(in.path, "data"), "an array", *data);
    in.data = &*data;

    sinks[col].emplace(field, *accept, type, std::string(type->name) + " input " + Quote(field.name), in.rows);
    parsed.push_back(std::move(in));
  }
  for (size_t c = 0; c < request_schema.size(); ++c)
    if (input_of[c] < 0)
      return Refuse("inputs", "input " + Quote(request_schema.field(c).name) + " is missing; every input is required");

  if (auto o = body.find("outputs"); o != body.end())
    TRESTLE_RETURN_IF_ERROR(ParseOutputs(*o, response_schema, &req.outputs));

  for (const V2Input& in : parsed) {
    DataWalker walker(*sinks[static_cast<size_t>(in.column)], Member(in.path, "data"));
    TRESTLE_RETURN_IF_ERROR(walker.Walk(*in.data));
    if (walker.count() != in.rows)
      return Refuse(Member(in.path, "data"), std::to_string(walker.count()) + " values, but shape " + in.shape_text +
                                                 " holds " + std::to_string(in.rows));
  }
  std::vector<trestle::Column> columns;
  columns.reserve(sinks.size());
  for (auto& s : sinks) columns.push_back(s->Finish());
  req.rows = trestle::Batch(request_schema, std::move(columns));
  return req;
}

// ---------------------------------------------------------------------------------------
// Instances

Result<InferRequest> ParseInstances(const Json& body, const trestle::Schema& request_schema) {
  TRESTLE_RETURN_IF_ERROR(
      CheckKeys(body, "", {"id", "timeout_ms", "instances"}, "an instances request has id, timeout_ms, instances"));
  InferRequest req;
  req.form = InferForm::kInstances;
  TRESTLE_RETURN_IF_ERROR(ParseId(body, &req.id));
  if (auto t = body.find("timeout_ms"); t != body.end()) {
    auto ms = ParseTimeout(*t, "timeout_ms");
    if (!ms.ok()) return ms.status();
    req.timeout_ms = *ms;
  }
  const Json& instances = body.at("instances");
  if (!instances.is_array() || instances.empty())
    return Expected("instances", "a non-empty array of objects {column: value}", instances);

  const auto rows = static_cast<int64_t>(instances.size());
  std::vector<ColumnSink> sinks;
  sinks.reserve(request_schema.size());
  for (const auto& f : request_schema.fields())
    sinks.emplace_back(f, InstanceAccept(f.type), nullptr, std::string(type_name(f.type)) + " column " + Quote(f.name), rows);

  const Json null_value(nullptr);
  for (size_t i = 0; i < instances.size(); ++i) {
    const Json& row = instances[i];
    auto path = [i] { return Index("instances", i); };  // only when refusing
    if (!row.is_object()) return Expected(path(), "an object {column: value}", row);
    size_t known = 0;
    for (size_t c = 0; c < sinks.size(); ++c) {
      const trestle::Field& f = request_schema.field(c);
      auto it = row.find(f.name);
      if (it == row.end()) {
        if (!f.nullable) return Refuse(path(), Quote(f.name) + " is missing, and " + sinks[c].what() + " is not nullable");
        (void)sinks[c].Append(null_value);
        continue;
      }
      ++known;
      if (auto why = sinks[c].Append(*it)) return Refuse(Member(path(), f.name), *why);
    }
    if (known != row.size()) {
      for (const auto& [key, value] : row.items())
        if (!request_schema.has(key))
          return Refuse(path(), "unknown column " + Quote(key) + "; the inputs are: " + request_schema.names_list());
    }
  }
  std::vector<trestle::Column> columns;
  columns.reserve(sinks.size());
  for (auto& s : sinks) columns.push_back(s.Finish());
  req.rows = trestle::Batch(request_schema, std::move(columns));
  return req;
}

}  // namespace

Result<InferRequest> ParseInferRequest(std::string_view body, const trestle::Schema& request_schema,
                                       const trestle::Schema& response_schema) {
  auto parsed = infer::ParseBody(body);
  if (!parsed.ok()) return parsed.status();
  const Json& j = *parsed;
  if (!j.is_object()) return Expected("", "a JSON object with \"inputs\" (KServe v2) or \"instances\"", j);
  const bool v2 = j.contains("inputs"), instances = j.contains("instances");
  if (v2 && instances) return InvalidArgument("the body has both \"inputs\" (KServe v2) and \"instances\"; send one");
  if (!v2 && !instances) return InvalidArgument("the body has neither \"inputs\" (KServe v2) nor \"instances\"");
  if (v2) return ParseV2(j, request_schema, response_schema);
  return ParseInstances(j, request_schema);
}

}  // namespace trestle::core
