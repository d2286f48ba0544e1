#include "config/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <exception>
#include <limits>
#include <map>

#include "config/field_path.h"
#include "config/scalar_text.h"
#include "google/protobuf/struct.pb.h"

namespace trestle::core {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Describe(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "null";
  return Quote(n.Scalar());
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

  SourceLocation Loc(const YAML::Mark& mark) const { return ctx_.At(mark.line, mark.column); }

  // yaml-cpp marks an empty value (`key:`) at the next token, possibly lines later; the
  // key is the better place to point at then.
  SourceLocation ValueLoc(const YAML::Node& value, const YAML::Mark& fallback) const {
    YAML::Mark mark = value.Mark();
    if (mark.line < 0 || (value.IsNull() && mark.line != fallback.line)) mark = fallback;
    return Loc(mark);
  }

  void ReadMessage(const YAML::Node& map, Message* msg, const std::string& path) {
    const Descriptor* desc = msg->GetDescriptor();
    ForEachEntry(map, path, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      const FieldDescriptor* fd = desc->FindFieldByName(key);
      if (fd == nullptr) {
        std::vector<std::string> names = FieldNames(desc);
        std::string hint = DidYouMean(key, names);
        if (hint.empty()) hint = " (expected one of: " + JoinNames(names) + ")";
        ctx_.Error(Loc(k.Mark()), path, "unknown key " + Quote(key) + hint);
        return;
      }
      std::string field_path = JoinPath(path, key);
      SourceLocation loc = ValueLoc(v, k.Mark());
      ctx_.Record(field_path, loc);
      ReadField(v, loc, msg, fd, field_path);
    });
  }

  // Option values: any YAML becomes a google.protobuf.Value. Returns false when the
  // value could not be read (already reported); `out` is then null.
  bool ReadValue(const YAML::Node& n, const SourceLocation& loc, google::protobuf::Value* out,
                 const std::string& path) {
    ctx_.Record(path, loc);
    if (n.IsNull()) {
      out->set_null_value(google::protobuf::NULL_VALUE);
      return true;
    }
    if (n.IsScalar()) {
      std::string text;
      bool substituted = false;
      if (!ctx_.Expand(n.Scalar(), loc, path, &text, &substituted)) {
        out->set_null_value(google::protobuf::NULL_VALUE);
        return false;
      }
      // Only plain scalars are typed; quoted, block and explicitly tagged ones stay text.
      if (n.Tag() == "?") {
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
      for (const YAML::Node& element : n) {
        ok &= ReadValue(element, ValueLoc(element, n.Mark()), list->add_values(),
                        IndexPath(path, i++));
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
  template <typename F>
  void ForEachEntry(const YAML::Node& map, const std::string& path, F&& f) {
    std::map<std::string, int> first_line;
    for (const auto& entry : map) {
      const YAML::Node& k = entry.first;
      if (!k.IsScalar()) {
        std::string message = "keys must be names, got ";
        ctx_.Error(Loc(k.Mark()), path, message.append(Describe(k)));
        continue;
      }
      const std::string& key = k.Scalar();
      auto [seen, inserted] = first_line.emplace(key, Loc(k.Mark()).line);
      if (!inserted) {
        std::string where =
            seen->second > 0 ? " (first at line " + std::to_string(seen->second) + ")" : "";
        ctx_.Error(Loc(k.Mark()), path, "duplicate key " + Quote(key) + where);
        continue;
      }
      f(key, k, entry.second);
    }
  }

  void ReadStruct(const YAML::Node& map, google::protobuf::Struct* out, const std::string& path) {
    ForEachEntry(map, path, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      ReadValue(v, ValueLoc(v, k.Mark()), &(*out->mutable_fields())[key], JoinPath(path, key));
    });
  }

  void ReadField(const YAML::Node& v, const SourceLocation& loc, Message* msg,
                 const FieldDescriptor* fd, const std::string& path) {
    if (v.IsNull()) return;  // `key:` or `key: ~` leaves the field unset
    const Reflection* refl = msg->GetReflection();
    const bool is_message = fd->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (fd->is_repeated()) {
      if (v.IsScalar() && !is_message) {  // `inputs: a` means `inputs: [a]`
        ctx_.Record(IndexPath(path, 0), loc);
        ReadScalar(v, loc, msg, fd, path);
        return;
      }
      if (!v.IsSequence()) {
        ctx_.Error(loc, path, "must be " + Expected(fd, false) + ", got " + Describe(v));
        return;
      }
      int i = 0;
      for (const YAML::Node& element : v) {
        std::string element_path = IndexPath(path, i++);
        SourceLocation element_loc = ValueLoc(element, v.Mark());
        ctx_.Record(element_path, element_loc);
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
  void ReadScalar(const YAML::Node& v, const SourceLocation& loc, Message* msg,
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
    if (!ctx_.Expand(v.Scalar(), loc, path, &text)) {
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
};

std::string SyntaxError(bool json, const std::string& what) {
  return std::string(json ? "JSON" : "YAML") + " syntax error: " + what;
}

}  // namespace

bool ReadYamlPipeline(std::string_view text, bool json, const ReaderContext& ctx,
                      config::Pipeline* out) {
  try {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(std::string(text));
    } catch (const YAML::Exception& e) {
      ctx.Error(ctx.At(e.mark.line, e.mark.column), "", SyntaxError(json, e.msg));
      return false;
    }
    if (docs.empty() || (docs.size() == 1 && docs[0].IsNull())) {
      ctx.Error({}, "", "pipeline file is empty");
      return false;
    }
    if (docs.size() > 1) {
      ctx.Error(ctx.At(docs[1].Mark().line, docs[1].Mark().column), "",
                "a pipeline file holds one document, found " + std::to_string(docs.size()));
      return false;
    }
    const YAML::Node& root = docs[0];
    if (!root.IsMap()) {
      ctx.Error(ctx.At(root.Mark().line, root.Mark().column), "",
                "the top level must be a mapping with keys " +
                    JoinNames(FieldNames(config::Pipeline::descriptor())) + "; got " +
                    Describe(root));
      return false;
    }
    YamlTreeReader reader(ctx);
    reader.ReadMessage(root, out, "");
    return true;
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
    YAML::Node node;
    try {
      node = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      ctx.Error(ctx.At(e.mark.line, e.mark.column), "", "value is not valid YAML: " + e.msg);
      return false;
    }
    YamlTreeReader reader(ctx);
    return reader.ReadValue(node, reader.Loc(node.Mark()), out, path);
  } catch (const std::exception& e) {
    ctx.Error({}, "", std::string("internal error while reading: ") + e.what());
    return false;
  }
}

}  // namespace trestle::core
