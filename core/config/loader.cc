#include "config/loader.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "config/field_path.h"
#include "config/limits.h"
#include "config/overrides.h"
#include "config/scalar_text.h"
#include "config/sha256.h"
#include "config/textproto_reader.h"
#include "config/yaml_reader.h"

namespace trestle::core {
namespace {

Status Fail(const std::vector<Diagnostic>& found) {
  Diagnostics all;
  for (const auto& d : found) all.add(d);
  return all.ToStatus();
}

void Report(Diagnostics* diags, const std::vector<Diagnostic>& found) {
  if (diags == nullptr) return;
  for (const auto& d : found) diags->add(d);
}

std::string CanonicalBytes(const LoadedPipeline& lp) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    lp.pipeline.SerializeToCodedStream(&coded);
  }
  for (const auto& [path, text] : lp.locations.texts()) {
    bytes += '\n';
    bytes += path;
    bytes += '=';
    bytes += text;
  }
  return bytes;
}

}  // namespace

Result<Format> FormatFromPath(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".yaml" || ext == ".yml") return Format::kYaml;
  if (ext == ".json") return Format::kJson;
  if (ext == ".pbtxt" || ext == ".textproto" || ext == ".txtpb") return Format::kTextproto;
  return InvalidArgument("unknown pipeline file extension " + Quote(ext) +
                         " (expected .yaml, .yml, .json, .pbtxt, .textproto or .txtpb)");
}

Diagnostic LoadedPipeline::DiagnosticAt(const std::string& path, std::string message) const {
  SourceLocation loc = locations.Lookup(path);
  Diagnostic d;
  d.file = loc.origin.empty() ? file : loc.origin;
  d.line = loc.line;
  d.column = loc.column;
  d.path = path;
  if (std::optional<int> index = NodeIndexOf(path); index && *index < pipeline.nodes_size()) {
    d.node = pipeline.nodes(*index).name();
  }
  d.message = std::move(message);
  return d;
}

std::optional<std::string> LoadedPipeline::ScalarText(const std::string& path,
                                                      const google::protobuf::Value& value) const {
  using google::protobuf::Value;
  if (value.kind_case() != Value::kNumberValue && value.kind_case() != Value::kBoolValue) {
    return std::nullopt;
  }
  if (const std::string* text = locations.OriginalText(path)) return *text;
  if (value.kind_case() == Value::kBoolValue) return value.bool_value() ? "true" : "false";
  return FormatNumber(value.number_value());
}

Result<LoadedPipeline> LoadPipelineText(std::string_view text, Format format,
                                        const std::string& display_name, const LoadOptions& options,
                                        Diagnostics* diags) {
  LoadedPipeline lp;
  lp.file = display_name;
  std::vector<Diagnostic> found;
  const Getenv getenv = options.getenv ? options.getenv : ProcessEnvironment();
  ReaderContext ctx;
  ctx.file = display_name;
  ctx.getenv = &getenv;
  ctx.locations = &lp.locations;
  ctx.diags = &found;

  bool read = false;
  if (text.size() > kMaxFileBytes) {
    ctx.Error({}, "",
              "pipeline file is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
  } else if (std::all_of(text.begin(), text.end(),
                         [](unsigned char c) { return std::isspace(c); })) {
    ctx.Error({}, "", "pipeline file is empty");
  } else if (format == Format::kTextproto) {
    read = ReadTextprotoPipeline(text, ctx, &lp.pipeline);
  } else {
    read = ReadYamlPipeline(text, format == Format::kJson, ctx, &lp.pipeline);
  }
  if (read) ApplyOverrides(options.overrides, &lp.pipeline, &lp.locations, &found);

  // Readers see nodes before their names are known; name them now.
  for (auto& d : found) {
    std::optional<int> index = NodeIndexOf(d.path);
    if (d.node.empty() && index && *index < lp.pipeline.nodes_size()) {
      d.node = lp.pipeline.nodes(*index).name();
    }
  }
  Report(diags, found);
  if (!read || (!found.empty() && !options.continue_on_error)) return Fail(found);
  lp.text_hash = Sha256Hex(CanonicalBytes(lp));
  return lp;
}

Result<LoadedPipeline> LoadPipelineFile(const std::string& path, const LoadOptions& options,
                                        Diagnostics* diags) {
  auto fail = [&](std::string message) -> Status {
    Diagnostic d;
    d.file = path;
    d.message = std::move(message);
    Report(diags, {d});
    return Fail({d});
  };
  Result<Format> format = FormatFromPath(path);
  if (!format.ok()) return fail(format.status().message());
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fail("cannot read pipeline file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string("cannot open pipeline file: ") + std::strerror(errno));
  // Reading stops past the limit (a device or a huge file); LoadPipelineText says so.
  std::string text;
  char chunk[1 << 16];
  while (in && text.size() <= kMaxFileBytes) {
    in.read(chunk, sizeof chunk);
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return fail(std::string("cannot read pipeline file: ") + std::strerror(errno));
  return LoadPipelineText(text, *format, path, options, diags);
}

}  // namespace trestle::core
