#include "exec/dead_letter.h"

#include <nlohmann/json.hpp>

#include "exec/row_json.h"

namespace trestle::core {

DeadLetterWriter::DeadLetterWriter(std::string path, std::string run_id)
    : run_id_(std::move(run_id)), file_(std::move(path)) {}

DeadLetterWriter::~DeadLetterWriter() = default;

int64_t DeadLetterWriter::written() const {
  std::lock_guard<std::mutex> l(mu_);
  return written_;
}

Status DeadLetterWriter::WriteRows(const std::string& node, const trestle::Batch& batch,
                                   const std::vector<RowReason>& rows) {
  std::string out;
  const std::string now = NowIso();
  for (const auto& r : rows) {
    nlohmann::json j = {{"run_id", run_id_}, {"time", now},   {"node", node}, {"code", CodeName(r.code)},
                        {"reason", r.reason}, {"row_index", r.row}, {"row", RowToJson(batch, r.row)}};
    if (!r.request_id.empty()) j["request_id"] = r.request_id;
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return Append(out);
}

Status DeadLetterWriter::WriteBatch(const std::string& node, const trestle::Batch& batch, Code code,
                                    const std::string& reason) {
  std::vector<RowReason> rows;
  rows.reserve(static_cast<size_t>(batch.num_rows()));
  for (int64_t r = 0; r < batch.num_rows(); ++r) rows.push_back({r, code, reason});
  return WriteRows(node, batch, rows);
}

Status DeadLetterWriter::WriteRecord(const std::string& node, const std::string& record,
                                     const std::string& location, Code code, const std::string& reason) {
  nlohmann::json j = {{"run_id", run_id_},   {"time", NowIso()},   {"node", node},    {"code", CodeName(code)},
                      {"reason", reason},    {"location", location}, {"record", record}};
  return Append(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

Status DeadLetterWriter::Append(const std::string& lines) {
  if (lines.empty()) return Status::Ok();
  std::lock_guard<std::mutex> l(mu_);
  Status st = file_.Append(lines);
  if (!st.ok()) return st.WithContext("dead letters");
  for (char c : lines) written_ += c == '\n' ? 1 : 0;
  return Status::Ok();
}

Status DeadLetterWriter::Sync() {
  std::lock_guard<std::mutex> l(mu_);
  Status st = file_.Sync();
  return st.ok() ? st : st.WithContext("dead letters");
}

}  // namespace trestle::core
