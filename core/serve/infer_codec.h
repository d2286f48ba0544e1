#pragma once
/// The JSON codec of `trestle serve`: an infer request body becomes rows of a Batch of
/// the request schema, and the rows that come back become the response body. Pure
/// functions (no I/O, no threads, no shared state): safe to call from any thread.
///
/// Two request forms, told apart by their top-level key:
///   KServe v2 ("Open Inference Protocol") REST, one input tensor per column:
///     {"id"?, "parameters"?: {"timeout_ms"?}, "inputs": [{"name", "shape": [n] | [n, 1],
///      "datatype", "data": [...], "parameters"?}], "outputs"?: [{"name", "parameters"?}]}
///   TF-Serving-style rows: {"id"?, "timeout_ms"?, "instances": [{column: value}, ...]}
///
/// Datatypes per column type (v2): a float column takes INT8..INT64, UINT8..UINT64 (integer
/// values), FP16, FP32, FP64; an int column INT8..INT64, UINT8..UINT64; bool BOOL; utf8
/// BYTES (JSON strings); timestamp[us] BYTES (ISO-8601 text: "2026-12-01T10:00:00Z",
/// "2026-12-01 10:00:00", "2026-12-01", fractions and +HH:MM offsets; no zone = UTC) or
/// INT64 (microseconds since the epoch). A value must fit both its declared datatype and
/// its column (INT8 takes -128..127; an int32 column takes int32's range; FP32 and a
/// float32 column refuse a finite value beyond float32's range). The instances form takes
/// numbers for float columns, integers for int columns, true/false for bool, strings for
/// utf8, ISO-8601 strings or integer microseconds for timestamps.
///
/// Extensions to KServe v2:
///   - JSON null in "data" (or as an instance's value, or an instance's missing key) is a
///     null value; refused for a column whose Field is not nullable.
///   - A v2 response whose rows were not all answered carries
///     "parameters": {"row_errors": [{"row", "node", "code", "reason"}]}, and null in
///     every output's data at those rows.
///   - timestamp[us] columns travel as BYTES holding ISO-8601 text; responses write them
///     as "YYYY-MM-DDTHH:MM:SS.ffffffZ".
/// "data" may be flat or nested row-major (regular nesting only; it is flattened).
/// Not supported (refused by name): binary tensor data (an input's "binary_data_size";
/// "binary_data" or "binary_data_output" other than false). Unknown top-level keys, and
/// unknown keys in an input or output object, are refused so that a typo is not silent;
/// "parameters" objects may carry other keys, which are ignored.
///
/// Implementation: infer_request.cc (parsing), infer_values.{h,cc} (datatypes, values into
/// columns), infer_json.{h,cc} (body to DOM, error paths), infer_response.cc (encoding).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "trestle/batch.hpp"
#include "trestle/schema.hpp"
#include "trestle/types.hpp"

namespace trestle::core {

/// Nesting deeper than this many arrays/objects is refused before anything is built.
inline constexpr int kMaxInferJsonDepth = 64;

/// KServe v2 datatype of a column type: BOOL, INT32, INT64, FP32, FP64, BYTES (utf8), and
/// BYTES for timestamp[us] (ISO-8601 text). Static storage.
const char* V2Datatype(trestle::Type t);

enum class InferForm { kV2, kInstances };

struct InferRequest {
  InferForm form = InferForm::kV2;
  std::string id;                     ///< v2 "id"; for instances an optional top-level "id"; may be empty
  trestle::Batch rows;                ///< request schema's columns, in its order and types
  std::optional<int64_t> timeout_ms;  ///< v2 parameters.timeout_ms; instances: top-level "timeout_ms"
  std::vector<std::string> outputs;   ///< v2 outputs[].name (validated against the response schema); empty = all
};

/// Parses an infer request body. The form is recognised by its top-level key: "inputs"
/// (v2) or "instances". Every request-schema column must be supplied (v2: as an input;
/// instances: a missing key is null), all with the same number of rows n >= 1.
/// Errors are INVALID_ARGUMENT, whose message names the field as a JSON path and what was
/// expected, e.g.
///   `inputs[2].data[5]: expected an integer for INT64 input "tenure_months", got "abc"`
///   `instances[3]: unknown column "foo"; the inputs are: a, b, c`
///   `malformed JSON at byte 17: <parser's reason>`
///   `nested deeper than 64 levels`
/// `request_schema` is the columns a request supplies; `response_schema` the columns a
/// response can return (what "outputs" may name). Nothing is kept after the call.
Result<InferRequest> ParseInferRequest(std::string_view body, const trestle::Schema& request_schema,
                                       const trestle::Schema& response_schema);

/// What became of one request row.
struct RowOutcome {
  std::shared_ptr<const trestle::Batch> batch;  ///< answered: the batch holding the row (response schema), or null
  int64_t row = -1;                             ///< its row in `batch`
  std::string node, code, reason;               ///< not answered: who refused it and why
};

/// The 200 response body for `req`, whose i-th row became rows[i]
/// (rows.size() == req.rows.num_rows()); written in req.form:
///   v2: {"model_name", "model_version", "id"?, "outputs": [{"name", "datatype",
///        "shape": [n], "data": [...]}], "parameters"?: {"row_errors": [...]}} with one
///        output per response column, or those of req.outputs in their order;
///   instances: {"model_name", "model_version", "id"?, "predictions": [{column: value} |
///        {"error": {"node", "code", "reason"}}]}.
/// "id" is written when req.id is not empty. Values: null as null; float32 widened to
/// double and written as the shortest text that reads back as that double (so the float
/// is recovered bit for bit); NaN and +-Inf as null; timestamps as ISO-8601 UTC with
/// microseconds; utf8 as strings, invalid UTF-8 replaced by U+FFFD. A column is looked up
/// in each row's batch by name; one missing there or of another type than in
/// `response_schema`, or a row outside its batch, is written as null.
std::string EncodeInferResponse(const InferRequest& req, const std::string& model_name, const std::string& model_version,
                                const trestle::Schema& response_schema, const std::vector<RowOutcome>& rows);

/// The KServe v2 error body {"error": message} (always valid JSON).
std::string EncodeError(const std::string& message);

/// GET /v2/models/{name}: {"name", "versions": [...], "platform": "trestle",
/// "inputs": [{"name", "datatype", "shape": [-1]}], "outputs": [...]}.
std::string EncodeModelMetadata(const std::string& name, const std::vector<std::string>& versions,
                                const trestle::Schema& request_schema, const trestle::Schema& response_schema);

}  // namespace trestle::core
