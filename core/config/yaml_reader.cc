#include "config/yaml_reader.h"

#include <exception>
#include <limits>
#include <map>

#include "config/field_path.h"
#include "config/scalar_text.h"
#include "config/text_parse.h"
#include "google/protobuf/struct.pb.h"

namespace trestle::core {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Describe(const DocNode& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "null";
  return Quote(n.scalar);
}

// What a field expects, for "must be X, got Y".
std::string Expected(const FieldDescriptor* fd, bool element) {
  if (fd->is_repeated() && !element) {
    if (fd->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) return "a list of mappings";
    return "a list of " + std::string(fd->cpp_type() == FieldDescriptor::CPPTYPE_STRING
                                          ? "strings or a single string"
                                          : "values");
  }
  switch (fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return "a string";
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return "an integer";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "a mapping";
    default:
      return "a supported value";
  }
}

std::vector<std::string> FieldNames(const Descriptor* desc) {
  std::vector<std::string> names;
  for (int i = 0; i < desc->field_count(); ++i) names.push_back(desc->field(i)->name());
  return names;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

class YamlTreeReader {
 public:
  explicit YamlTreeReader(const ReaderContext& ctx) : ctx_(ctx) {}

  SourceLocation Loc(const DocNode& n) const { return ctx_.At(n.line, n.column); }

  // yaml-cpp marks an empty value (`key:`) at the next token, possibly lines later; the
  // key is the better place to point at then.
  SourceLocation ValueLoc(const DocNode& value, const DocNode& fallback) const {
    const DocNode& at =
        value.line < 0 || (value.IsNull() && value.line != fallback.line) ? fallback : value;
    return Loc(at);
  }

  /// False once the field paths recorded exceed kMaxPathBytes (reported once); the
  /// reader then stops.
  bool stopped() const { return stopped_; }

  void ReadMessage(const DocNode& map, Message* msg, const std::string& path) {
    const Descriptor* desc = msg->GetDescriptor();
    ForEachEntry(map, path, [&](const std::string& key, const DocNode& k, const DocNode& v) {
      const FieldDescriptor* fd = desc->FindFieldByName(key);
      if (fd == nullptr) {
        std::vector<std::string> names = FieldNames(desc);
        std::string hint = DidYouMean(key, names);
        if (hint.empty()) hint = " (expected one of: " + JoinNames(names) + ")";
        ctx_.Error(Loc(k), path, "unknown key " + Quote(key) + hint);
        return;
      }
      std::string field_path = JoinPath(path, key);
      SourceLocation loc = ValueLoc(v, k);
      if (!Record(field_path, loc)) return;
      ReadField(v, loc, msg, fd, field_path);
    });
  }

  // Option values: any YAML becomes a google.protobuf.Value. Returns false when the
  // value could not be read (already reported); `out` is then null.
  bool ReadValue(const DocNode& n, const SourceLocation& loc, google::protobuf::Value* out,
                 const std::string& path) {
    if (!Record(path, loc)) {
      out->set_null_value(google::protobuf::NULL_VALUE);
      return false;
    }
    if (n.IsNull()) {
      out->set_null_value(google::protobuf::NULL_VALUE);
      return true;
    }
    if (n.IsScalar()) {
      std::string text;
      bool substituted = false;
      if (!ctx_.Expand(n.scalar, loc, path, &text, &substituted)) {
        out->set_null_value(google::protobuf::NULL_VALUE);
        return false;
      }
      // Only plain scalars are typed; quoted, block and explicitly tagged ones stay text.
      if (n.plain) {
        if (std::optional<bool> b = ParseBool(text)) {
          out->set_bool_value(*b);
          if (text != (*b ? "true" : "false")) ctx_.locations->RecordText(path, text);
          return true;
        }
        if (std::optional<double> d = ParseNumber(text)) {
          out->set_number_value(*d);
          if (text != FormatNumber(*d)) ctx_.locations->RecordText(path, text);
          return true;
        }
      }
      out->set_string_value(std::move(text));
      return true;
    }
    if (n.IsSequence()) {
      auto* list = out->mutable_list_value();
      bool ok = true;
      int i = 0;
      for (const DocNode* element : n.items) {
        if (stopped_) return false;
        ok &= ReadValue(*element, ValueLoc(*element, n), list->add_values(), IndexPath(path, i++));
      }
      return ok;
    }
    if (n.IsMap()) {
      ReadStruct(n, out->mutable_struct_value(), path);
      return true;
    }
    ctx_.Error(loc, path, "cannot read this value");
    out->set_null_value(google::protobuf::NULL_VALUE);
    return false;
  }

 private:
  // Records where `path` is, charging its length to the budget of kMaxPathBytes.
  bool Record(const std::string& path, const SourceLocation& loc) {
    if (stopped_) return false;
    if (!RecordWithinPathBudget(ctx_, &path_bytes_, path, loc)) stopped_ = true;
    return !stopped_;
  }

  template <typename F>
  void ForEachEntry(const DocNode& map, const std::string& path, F&& f) {
    std::map<std::string, SourceLocation> first;
    for (size_t i = 0; i + 1 < map.items.size(); i += 2) {
      if (stopped_) return;
      const DocNode& k = *map.items[i];
      if (!k.IsScalar()) {
        std::string message = "keys must be names, got ";
        ctx_.Error(Loc(k), path, message.append(Describe(k)));
        continue;
      }
      const std::string& key = k.scalar;
      SourceLocation at = Loc(k);
      auto [seen, inserted] = first.emplace(key, at);
      if (!inserted) {
        ctx_.Error(at, path, "duplicate key " + Quote(key) + FirstAt(seen->second, at));
        continue;
      }
      f(key, k, *map.items[i + 1]);
    }
  }

  // " (first at line 4)"; with the column when both are on one line.
  static std::string FirstAt(const SourceLocation& first, const SourceLocation& again) {
    if (first.line <= 0) return "";
    std::string out = " (first at line " + std::to_string(first.line);
    if (first.line == again.line && first.column > 0) {
      out += ", column " + std::to_string(first.column);
    }
    return out + ")";
  }

  void ReadStruct(const DocNode& map, google::protobuf::Struct* out, const std::string& path) {
    ForEachEntry(map, path, [&](const std::string& key, const DocNode& k, const DocNode& v) {
      ReadValue(v, ValueLoc(v, k), &(*out->mutable_fields())[key], JoinPath(path, key));
    });
  }

  void ReadField(const DocNode& v, const SourceLocation& loc, Message* msg,
                 const FieldDescriptor* fd, const std::string& path) {
    if (v.IsNull()) return;  // `key:` or `key: ~` leaves the field unset
    const Reflection* refl = msg->GetReflection();
    const bool is_message = fd->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (fd->is_repeated()) {
      if (v.IsScalar() && !is_message) {  // `inputs: a` means `inputs: [a]`
        if (!Record(IndexPath(path, 0), loc)) return;
        ReadScalar(v, loc, msg, fd, path);
        return;
      }
      if (!v.IsSequence()) {
        ctx_.Error(loc, path, "must be " + Expected(fd, false) + ", got " + Describe(v));
        return;
      }
      int i = 0;
      for (const DocNode* element_node : v.items) {
        const DocNode& element = *element_node;
        std::string element_path = IndexPath(path, i++);
        SourceLocation element_loc = ValueLoc(element, v);
        if (!Record(element_path, element_loc)) return;
        if (is_message) {
          Message* child = refl->AddMessage(msg, fd);
          if (!element.IsMap()) {
            ctx_.Error(element_loc, element_path, "must be a mapping, got " + Describe(element));
            continue;
          }
          ReadMessage(element, child, element_path);
        } else {
          ReadScalar(element, element_loc, msg, fd, element_path);
        }
      }
      return;
    }
    if (is_message) {
      if (!v.IsMap()) {
        ctx_.Error(loc, path, "must be a mapping, got " + Describe(v));
        return;
      }
      Message* child = refl->MutableMessage(msg, fd);
      if (fd->message_type()->full_name() == "google.protobuf.Struct") {
        ReadStruct(v, static_cast<google::protobuf::Struct*>(child), path);
      } else {
        ReadMessage(v, child, path);
      }
      return;
    }
    ReadScalar(v, loc, msg, fd, path);
  }

  // Sets a singular scalar field or appends to a repeated one. A repeated element that
  // cannot be read is appended empty so that later elements keep their index (and
  // their recorded locations).
  void ReadScalar(const DocNode& v, const SourceLocation& loc, Message* msg,
                  const FieldDescriptor* fd, const std::string& path) {
    const Reflection* refl = msg->GetReflection();
    const bool repeated = fd->is_repeated();
    auto placeholder = [&] {
      if (repeated && fd->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        refl->AddString(msg, fd, "");
      }
    };
    auto fail = [&](std::string message) {
      ctx_.Error(loc, path, std::move(message));
      placeholder();
    };
    if (!v.IsScalar()) {
      fail("must be " + Expected(fd, true) + ", got " + Describe(v));
      return;
    }
    std::string text;
    if (!ctx_.Expand(v.scalar, loc, path, &text)) {
      placeholder();
      return;
    }
    switch (fd->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        repeated ? refl->AddString(msg, fd, text) : refl->SetString(msg, fd, text);
        return;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64: {
        std::optional<int64_t> n = ParseInteger(text);
        if (!n) return fail("must be an integer, got " + Quote(text));
        if (fd->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
          if (*n < std::numeric_limits<int32_t>::min() ||
              *n > std::numeric_limits<int32_t>::max()) {
            return fail("must be a 32-bit integer, got " + text);
          }
          auto n32 = static_cast<int32_t>(*n);
          repeated ? refl->AddInt32(msg, fd, n32) : refl->SetInt32(msg, fd, n32);
        } else {
          repeated ? refl->AddInt64(msg, fd, *n) : refl->SetInt64(msg, fd, *n);
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        std::optional<double> d = ParseNumber(text);
        if (!d) return fail("must be a number, got " + Quote(text));
        repeated ? refl->AddDouble(msg, fd, *d) : refl->SetDouble(msg, fd, *d);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        std::optional<bool> b = ParseBool(text);
        if (!b) return fail("must be true or false, got " + Quote(text));
        repeated ? refl->AddBool(msg, fd, *b) : refl->SetBool(msg, fd, *b);
        return;
      }
      default:
        return fail("field type not supported in YAML/JSON");
    }
  }

  const ReaderContext& ctx_;
  size_t path_bytes_ = 0;
  bool stopped_ = false;
};

// Levels of lists and mappings around the value at `path` ("nodes[2].options.a" sits in
// the top-level mapping, the nodes list, node 2 and its options: 4).
int DepthOf(const std::string& path) {
  if (path.empty()) return 0;
  int depth = 1;
  for (char c : path) depth += (c == '.' || c == '[') ? 1 : 0;
  return depth;
}

}  // namespace

bool ReadYamlPipeline(std::string_view text, bool json, const ReaderContext& ctx,
                      config::Pipeline* out) {
  try {
    ParsedText parsed;
    DocProblem problem;
    if (!(json ? ParseJsonText(text, &parsed, &problem)
               : ParseYamlText(text, 0, &parsed, &problem))) {
      ctx.Error(ctx.At(problem.line, problem.column), "", std::move(problem.message));
      return false;
    }
    const DocNode* root = parsed.tree.root;
    if (parsed.documents == 0 || root == nullptr || (parsed.documents == 1 && root->IsNull())) {
      ctx.Error({}, "", "pipeline file is empty");
      return false;
    }
    if (parsed.documents > 1) {
      ctx.Error(ctx.At(parsed.second_line, parsed.second_column), "",
                "a pipeline file holds one document, found " + std::to_string(parsed.documents));
      return false;
    }
    if (!root->IsMap()) {
      ctx.Error(ctx.At(root->line, root->column), "",
                "the top level must be a mapping with keys " +
                    JoinNames(FieldNames(config::Pipeline::descriptor())) + "; got " +
                    Describe(*root));
      return false;
    }
    YamlTreeReader reader(ctx);
    reader.ReadMessage(*root, out, "");
    return !reader.stopped();
  } catch (const std::exception& e) {
    ctx.Error({}, "", std::string("internal error while reading: ") + e.what());
    return false;
  }
}

bool ReadYamlValue(std::string_view text, const ReaderContext& ctx, const std::string& path,
                   google::protobuf::Value* out) {
  if (text.empty()) {
    ctx.Record(path, ctx.At(0, 0));
    out->set_string_value("");
    return true;
  }
  try {
    ParsedText parsed;
    DocProblem problem;
    // The value sits inside the options mapping that holds it.
    if (!ParseYamlText(text, DepthOf(path), &parsed, &problem)) {
      const std::string prefix = "YAML syntax error: ";
      if (problem.message.rfind(prefix, 0) == 0) {
        problem.message = "value is not valid YAML: " + problem.message.substr(prefix.size());
      }
      ctx.Error(ctx.At(problem.line, problem.column), "", std::move(problem.message));
      return false;
    }
    DocNode null_node;  // an empty or comment-only value is null, as YAML::Load gives
    const DocNode& node = parsed.tree.root != nullptr ? *parsed.tree.root : null_node;
    YamlTreeReader reader(ctx);
    return reader.ReadValue(node, reader.Loc(node), out, path);
  } catch (const std::exception& e) {
    ctx.Error({}, "", std::string("internal error while reading: ") + e.what());
    return false;
  }
}

}  // namespace trestle::core
