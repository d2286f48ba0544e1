#include "serve_bodies.h"

#include <utility>

#include <gtest/gtest.h>

namespace trestle::clitest {

using nlohmann::json;

std::vector<SeqRow> Rows(int64_t first, int64_t n) {
  std::vector<SeqRow> rows;
  for (int64_t i = 0; i < n; ++i) rows.push_back({first + i, XOf(first + i)});
  return rows;
}

std::string Instances(const std::vector<SeqRow>& rows, const std::string& id, json extra) {
  json body = std::move(extra);
  if (!id.empty()) body["id"] = id;
  body["instances"] = json::array();
  for (const SeqRow& r : rows) {
    json row = {{"id", r.id}};
    if (r.x) row["x"] = *r.x;
    body["instances"].push_back(row);
  }
  return body.dump();
}

std::string V2(const std::vector<SeqRow>& rows, const std::string& id, json extra) {
  json body = std::move(extra);
  if (!id.empty()) body["id"] = id;
  json ids = json::array(), xs = json::array();
  for (const SeqRow& r : rows) {
    ids.push_back(r.id);
    xs.push_back(r.x ? json(*r.x) : json(nullptr));
  }
  const auto n = static_cast<int64_t>(rows.size());
  body["inputs"] = {{{"name", "id"}, {"shape", {n}}, {"datatype", "INT64"}, {"data", ids}},
                    {{"name", "x"}, {"shape", {n}}, {"datatype", "FP64"}, {"data", xs}}};
  return body.dump();
}

std::vector<json> ResponseRows(const json& body) {
  std::vector<json> rows;
  if (body.contains("predictions")) {
    for (const auto& p : body["predictions"]) rows.push_back(p);
    return rows;
  }
  if (!body.contains("outputs") || !body["outputs"].is_array() || body["outputs"].empty()) {
    ADD_FAILURE() << "neither predictions nor outputs: " << body.dump();
    return rows;
  }
  const size_t n = body["outputs"][0]["data"].size();
  rows.assign(n, json::object());
  for (const auto& out : body["outputs"]) {
    EXPECT_EQ(out["shape"], json::array({n})) << out.dump();
    EXPECT_EQ(out["data"].size(), n) << out.dump();
    for (size_t i = 0; i < n && i < out["data"].size(); ++i) rows[i][out["name"].get<std::string>()] = out["data"][i];
  }
  if (body.contains("parameters") && body["parameters"].contains("row_errors")) {
    for (const auto& e : body["parameters"]["row_errors"]) {
      const auto i = e["row"].get<size_t>();
      if (i >= n) {
        ADD_FAILURE() << "row_errors names row " << i << " of " << n;
        continue;
      }
      for (const auto& [name, value] : rows[i].items())
        EXPECT_TRUE(value.is_null()) << "row " << i << " is an error, yet its " << name << " is " << value;
      rows[i] = {{"error", {{"node", e["node"]}, {"code", e["code"]}, {"reason", e["reason"]}}}};
    }
  }
  return rows;
}

void ExpectScored(const Reply& r, const std::vector<SeqRow>& sent, const std::string& id, double intercept,
                  const std::string& where) {
  ASSERT_EQ(r.status, 200) << where << " " << r.Describe();
  EXPECT_EQ(r.Header("x-request-id"), id) << where;
  const json body = r.Json();
  ASSERT_TRUE(body.is_object()) << where << " " << r.body;
  EXPECT_EQ(body["id"], id) << where;
  const std::vector<json> rows = ResponseRows(body);
  ASSERT_EQ(rows.size(), sent.size()) << where << " " << r.body;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    ASSERT_FALSE(row.contains("error")) << where << " row " << i << ": " << row.dump();
    ASSERT_TRUE(row["id"].is_number_integer() && row["x"].is_number() && row["score"].is_number()) << row.dump();
    EXPECT_EQ(row["id"].get<int64_t>(), sent[i].id) << where << " row " << i << " belongs to another request";
    EXPECT_EQ(row["x"].get<double>(), *sent[i].x) << where << " row " << i;
    EXPECT_EQ(row["score"].get<double>(), *sent[i].x + intercept) << where << " row " << i;
  }
}

std::string LinearModel(double intercept, const std::string& file_version) {
  std::string j = R"({"type": "linear", "features": ["x"], "coefficients": [1], "intercept": )" +
                  std::to_string(intercept);
  if (!file_version.empty()) j += R"(, "version": ")" + file_version + "\"";
  return j + "}";
}

}  // namespace trestle::clitest
