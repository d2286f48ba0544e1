#include "config/overrides.h"

#include "config/field_path.h"
#include "config/limits.h"
#include "config/utf8.h"
#include "config/yaml_reader.h"

namespace trestle::core {
namespace {

std::vector<std::string> SplitDots(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

void ApplyOne(const std::string& text, config::Pipeline* pipeline, SourceMap* locations,
              std::vector<Diagnostic>* diags) {
  size_t eq = text.find('=');
  std::string target = text.substr(0, eq);
  ReaderContext ctx;
  ctx.file = "--set " + target;
  ctx.origin = ctx.file;
  ctx.locations = locations;
  ctx.diags = diags;
  if (eq == std::string::npos) {
    ctx.Error({}, "", "expected NODE.OPTION=VALUE");
    return;
  }

  int node_index = -1;
  size_t name_length = 0;
  std::vector<std::string> names;
  for (int i = 0; i < pipeline->nodes_size(); ++i) {
    const std::string& name = pipeline->nodes(i).name();
    names.push_back(name);
    bool prefixes = !name.empty() && target.size() > name.size() + 1 &&
                    target.compare(0, name.size(), name) == 0 && target[name.size()] == '.';
    if (prefixes && name.size() > name_length) {
      node_index = i;
      name_length = name.size();
    }
  }
  if (node_index < 0) {
    std::string wrong = target.substr(0, target.find('.'));
    if (target.find('.') == std::string::npos) {
      ctx.Error({}, "", "expected NODE.OPTION=VALUE");
    } else {
      ctx.Error({}, "", "no node named " + Quote(wrong) + DidYouMean(wrong, names));
    }
    return;
  }
  if (FindInvalidUtf8(target) != std::string::npos) {
    ctx.Error({}, "", "option name is not valid UTF-8");
    return;
  }
  std::vector<std::string> keys = SplitDots(target.substr(name_length + 1));
  for (const auto& key : keys) {
    if (key.empty()) {
      ctx.Error({}, "", "empty option name in " + Quote(target));
      return;
    }
  }

  // options is level 4 (top-level mapping, nodes, the node); each key before the last
  // opens one more.
  if (keys.size() + 3 > static_cast<size_t>(kMaxNesting)) {
    ctx.Error({}, "",
              "option path " + Quote(target) + " is nested more than " +
                  std::to_string(kMaxNesting) + " deep");
    return;
  }
  std::string path = JoinPath(IndexPath("nodes", node_index), "options");
  google::protobuf::Struct* options = pipeline->mutable_nodes(node_index)->mutable_options();
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    path = JoinPath(path, keys[i]);
    google::protobuf::Value& parent = (*options->mutable_fields())[keys[i]];
    if (parent.kind_case() == google::protobuf::Value::KIND_NOT_SET) {
      ctx.Record(path, ctx.At(0, 0));
    } else if (parent.kind_case() != google::protobuf::Value::kStructValue) {
      ctx.Error({}, path, "option " + Quote(keys[i]) + " is not a mapping");
      return;
    }
    options = parent.mutable_struct_value();
  }
  path = JoinPath(path, keys.back());

  locations->EraseUnder(path);
  google::protobuf::Value value;
  if (!ReadYamlValue(std::string_view(text).substr(eq + 1), ctx, path, &value)) return;
  (*options->mutable_fields())[keys.back()] = std::move(value);
}

}  // namespace

void ApplyOverrides(const std::vector<std::string>& overrides, config::Pipeline* pipeline,
                    SourceMap* locations, std::vector<Diagnostic>* diags) {
  for (const auto& text : overrides) ApplyOne(text, pipeline, locations, diags);
}

}  // namespace trestle::core
