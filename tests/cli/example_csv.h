#pragma once
// The CSV files of the examples (no quoting in them), for the tests that compare what
// `trestle serve` answers with what a batch run wrote (serve_examples_test.cc).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trestle::clitest {

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// The header line's fields and every other line's.
Csv ParseCsv(const std::string& text);

/// A CSV field as the JSON value of a column of v2 datatype `datatype`; nullopt when the
/// field does not parse as that type (csv_source dead-letters such lines).
std::optional<nlohmann::json> FieldValue(const std::string& text, const std::string& datatype);

/// Exactly the bits of the double the text reads as.
uint64_t Bits(double d);

}  // namespace trestle::clitest
