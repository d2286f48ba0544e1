#pragma once
// Requests to and responses from a served pipeline over the testkit's sequence schema
// (id int64, x float64 nullable), for the tests of `trestle serve` (serve_*_test.cc).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve_client.h"

namespace trestle::clitest {

struct SeqRow {
  int64_t id;
  std::optional<double> x;
};

/// x of row `id`: distinct from every other row's, exact in binary, so are x + 10 and x + 20.
inline double XOf(int64_t id) { return static_cast<double>(id) * 0.5 + 0.25; }

std::vector<SeqRow> Rows(int64_t first, int64_t n);

/// {"id"?, "instances": [{"id", "x"}...]} plus `extra` top-level keys.
std::string Instances(const std::vector<SeqRow>& rows, const std::string& id = "",
                      nlohmann::json extra = nlohmann::json::object());

/// The KServe v2 form: one INT64 tensor id, one FP64 tensor x (null where x is missing).
std::string V2(const std::vector<SeqRow>& rows, const std::string& id = "",
               nlohmann::json extra = nlohmann::json::object());

/// The rows of a 200 body, in either form, as {column: value} objects, or {"error": {node,
/// code, reason}} for a row that was not answered. Malformed bodies fail the test.
std::vector<nlohmann::json> ResponseRows(const nlohmann::json& body);

/// Checks a 200 answer to `sent` (named `id`) of a linear model score = x + intercept:
/// one row per request row, in order, each with the request row's id and x.
void ExpectScored(const Reply& r, const std::vector<SeqRow>& sent, const std::string& id, double intercept,
                  const std::string& where = "");

/// The JSON of a linear model score = x + intercept, with a "version" when one is given.
std::string LinearModel(double intercept, const std::string& file_version = "");

}  // namespace trestle::clitest
