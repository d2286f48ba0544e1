#include "example_csv.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "cli_fixture.h"

namespace trestle::clitest {

using nlohmann::json;

namespace {

std::vector<std::string> SplitCommas(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

}  // namespace

Csv ParseCsv(const std::string& text) {
  Csv csv;
  for (const std::string& line : SplitLines(text)) {
    if (csv.header.empty()) csv.header = SplitCommas(line);
    else csv.rows.push_back(SplitCommas(line));
  }
  return csv;
}

std::optional<json> FieldValue(const std::string& text, const std::string& datatype) {
  if (text.empty()) return json(nullptr);
  if (datatype == "INT64" || datatype == "INT32") {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return json(v);
  }
  if (datatype == "FP64" || datatype == "FP32") {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return std::nullopt;
    return json(v);
  }
  if (datatype == "BOOL") {
    if (text == "true") return json(true);
    if (text == "false") return json(false);
    return std::nullopt;
  }
  return json(text);
}


uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

}  // namespace trestle::clitest
