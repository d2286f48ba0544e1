// libFuzzer target: the pipeline-file loader on any text, in memory.
//
// Input: byte 0 picks the format ('y' YAML, 'j' JSON, 'p' protobuf text; any other byte
// by its value modulo 3), byte 1 the mode: bit 0 continue_on_error, bit 1 validate against
// the config tests' fake catalog, bit 2 apply --set overrides, which are the lines after
// the last '\x01' of the text. The rest is the file's text. Readable seeds therefore start
// "y0", "j3", "p7"...
//
// Besides "no crash, no sanitizer report, no leak, bounded time and memory", it checks:
// - JSON that nlohmann::json accepts is never reported as a syntax error (the reader's
//   strictness is nlohmann's, and its positions come from a second pass that must agree);
// - every diagnostic about the file has a line within the text;
// - a loaded pipeline survives protobuf's own parser (nesting within its limits), and
//   protobuf never logs an error (e.g. a string field that is not UTF-8).
#include <google/protobuf/stubs/logging.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"
#include "config/validate.h"
#include "fake_catalog.h"

namespace {

using trestle::core::Diagnostics;
using trestle::core::Format;

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "loader_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

std::optional<std::string> FakeEnvironment(const std::string& name) {
  if (name == "HOME") return "/home/ops";
  if (name == "ROWS") return "64";
  if (name == "EMPTY") return "";
  if (name == "DOLLAR") return "${ROWS}";  // substituted text is not interpolated again
  return std::nullopt;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

void CheckDiagnostics(const Diagnostics& diags, std::string_view text, const std::string& name,
                      Format format) {
  const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  const bool strict_json = format == Format::kJson && nlohmann::json::accept(text);
  for (const auto& d : diags.list()) {
    std::string formatted = trestle::core::FormatDiagnostic(d);
    if (d.line < 0 || d.column < 0) Fail("negative position", formatted);
    if (d.file == name && d.line > lines) Fail("line past the end of the text", formatted);
    if (strict_json && d.message.rfind("JSON syntax error", 0) == 0) {
      Fail("valid JSON reported as a syntax error", formatted);
    }
  }
}

void AbortOnProtobufError(google::protobuf::LogLevel level, const char* file, int line,
                          const std::string& message) {
  if (level < google::protobuf::LOGLEVEL_ERROR) return;
  Fail("protobuf logged an error", std::string(file) + ":" + std::to_string(line) + ": " + message);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(AbortOnProtobufError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Format format;
  switch (data[0]) {
    case 'y':
      format = Format::kYaml;
      break;
    case 'j':
      format = Format::kJson;
      break;
    case 'p':
      format = Format::kTextproto;
      break;
    default:
      format = static_cast<Format>(data[0] % 3);
  }
  const uint8_t mode = data[1];
  std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  trestle::core::LoadOptions options;
  options.getenv = FakeEnvironment;
  options.continue_on_error = (mode & 1) != 0;
  if ((mode & 4) != 0) {
    size_t split = text.rfind('\x01');
    if (split != std::string_view::npos) {
      options.overrides = SplitLines(text.substr(split + 1));
      text = text.substr(0, split);
    }
  }
  static const char* const kNames[] = {"fuzz.yaml", "fuzz.json", "fuzz.pbtxt"};
  const std::string name = kNames[static_cast<int>(format)];

  Diagnostics diags;
  if ((mode & 2) != 0) {
    static const trestle::core::testing::FakeCatalog catalog;
    auto validated =
        trestle::core::ValidatePipelineText(text, format, name, options, catalog, &diags);
    if (validated.ok() && !diags.empty()) Fail("validated with diagnostics", diags.ToString());
  } else {
    auto loaded = trestle::core::LoadPipelineText(text, format, name, options, &diags);
    if (loaded.ok()) {
      if (loaded->text_hash.size() != 64) Fail("bad hash", loaded->text_hash);
      std::string wire;
      trestle::config::Pipeline again;
      if (!loaded->pipeline.SerializeToString(&wire) || !again.ParseFromString(wire)) {
        Fail("loaded pipeline does not survive protobuf parsing", loaded->pipeline.DebugString());
      }
    } else if (diags.empty()) {
      Fail("failed without a diagnostic", loaded.status().ToString());
    }
  }
  CheckDiagnostics(diags, text, name, format);
  return 0;
}
