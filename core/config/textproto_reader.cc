#include "config/textproto_reader.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <map>
#include <memory>
#include <regex>

#include "config/field_path.h"
#include "google/protobuf/struct.pb.h"

namespace trestle::core {
namespace {

namespace pb = google::protobuf;
using ParseInfoTree = pb::TextFormat::ParseInfoTree;

// google.protobuf.Struct keeps its fields in a map, and reflection over a map does not
// keep the order of the text, so the ParseInfoTree's i-th entry could not be matched
// with its key. The wire format of a map is a repeated entry message, so the text is
// parsed against a copy of the schema in which Struct.fields is a plain repeated field
// (same field numbers), and the result is re-read into the generated classes.
struct OrderedSchema {
  pb::DescriptorPool pool;
  pb::DynamicMessageFactory factory{&pool};
  const pb::Message* prototype = nullptr;

  OrderedSchema() {
    pb::FileDescriptorProto struct_file, pipeline_file;
    pb::Struct::descriptor()->file()->CopyTo(&struct_file);
    config::Pipeline::descriptor()->file()->CopyTo(&pipeline_file);
    for (auto& message : *struct_file.mutable_message_type()) {
      if (message.name() != "Struct") continue;
      for (auto& nested : *message.mutable_nested_type())
        nested.mutable_options()->clear_map_entry();
    }
    if (pool.BuildFile(struct_file) == nullptr || pool.BuildFile(pipeline_file) == nullptr) return;
    const pb::Descriptor* root =
        pool.FindMessageTypeByName(config::Pipeline::descriptor()->full_name());
    if (root != nullptr) prototype = factory.GetPrototype(root);
  }
};

const OrderedSchema& Schema() {
  static const OrderedSchema schema;
  return schema;
}

struct ParserMessage {
  std::string text;
  std::string unknown_field;  // set for "has no field named" errors
};

// Rewrites the parser's unknown-field message, which names the message type and the
// field, with a "did you mean"; other messages are kept as they are.
ParserMessage ImproveParserMessage(const std::string& message) {
  static const std::regex kNoField(R"re(Message type "([\w.]+)" has no field named "(\w+)"\.?)re");
  std::smatch m;
  if (!std::regex_match(message, m, kNoField))
    return {"protobuf text syntax error: " + message, {}};
  const pb::Descriptor* desc = Schema().pool.FindMessageTypeByName(m[1].str());
  if (desc == nullptr) return {message, {}};
  std::string field = m[2].str();
  std::string out = "unknown field " + Quote(field) + " in " + desc->name();
  if (desc->full_name() == "google.protobuf.Struct") {
    out += " (write options as fields { key: \"name\" value { string_value: \"...\" } })";
    return {out, field};
  }
  std::vector<std::string> names;
  for (int i = 0; i < desc->field_count(); ++i) names.push_back(desc->field(i)->name());
  return {out + DidYouMean(field, names), field};
}

class Collector : public pb::io::ErrorCollector {
 public:
  Collector(const ReaderContext& ctx, std::string_view text) : ctx_(ctx), text_(text) {}

  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    ++errors_;
    ParserMessage improved = ImproveParserMessage(message);
    if (!improved.unknown_field.empty()) column = FieldColumn(line, column, improved.unknown_field);
    ctx_.Error(ctx_.At(line, column), "", std::move(improved.text));
  }
  int errors() const { return errors_; }

 private:
  // The parser reports an unknown field at the token after its name; point at the name.
  // Only on lines without tabs, which the tokenizer counts as up to 8 columns.
  pb::io::ColumnNumber FieldColumn(int line, pb::io::ColumnNumber column,
                                   const std::string& field) const {
    size_t start = 0;
    for (int i = 0; i < line && start != std::string_view::npos; ++i) {
      start = text_.find('\n', start);
      if (start != std::string_view::npos) ++start;
    }
    if (start == std::string_view::npos || column < 0) return column;
    std::string_view row = text_.substr(start, text_.find('\n', start) - start);
    if (row.find('\t') != std::string_view::npos) return column;
    size_t at = row.rfind(field, static_cast<size_t>(column));
    return at == std::string_view::npos ? column : static_cast<pb::io::ColumnNumber>(at);
  }

  const ReaderContext& ctx_;
  std::string_view text_;
  int errors_ = 0;
};

// Walks the parsed message with its ParseInfoTree: records locations and interpolates
// every string value (never map keys).
class Walker {
 public:
  explicit Walker(const ReaderContext& ctx) : ctx_(ctx) {}

  void WalkMessage(pb::Message* msg, const ParseInfoTree* tree, const std::string& path) {
    const pb::Descriptor* desc = msg->GetDescriptor();
    if (desc->full_name() == "google.protobuf.Struct") return WalkStruct(msg, tree, path);
    const pb::Reflection* refl = msg->GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    refl->ListFields(*msg, &fields);
    for (const pb::FieldDescriptor* fd : fields) {
      std::string field_path = JoinPath(path, fd->name());
      const bool is_message = fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
      const bool is_string = fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING;
      if (fd->is_repeated()) {
        ctx_.Record(field_path, Loc(tree, fd, 0));
        for (int i = 0; i < refl->FieldSize(*msg, fd); ++i) {
          std::string element_path = IndexPath(field_path, i);
          SourceLocation loc = Loc(tree, fd, i);
          ctx_.Record(element_path, loc);
          if (is_message) {
            WalkMessage(refl->MutableRepeatedMessage(msg, fd, i), Nested(tree, fd, i),
                        element_path);
          } else if (is_string) {
            std::string text;
            ctx_.Expand(refl->GetRepeatedString(*msg, fd, i), loc, element_path, &text);
            refl->SetRepeatedString(msg, fd, i, text);
          }
        }
        continue;
      }
      SourceLocation loc = Loc(tree, fd, -1);
      ctx_.Record(field_path, loc);
      if (is_message) {
        WalkMessage(refl->MutableMessage(msg, fd), Nested(tree, fd, -1), field_path);
      } else if (is_string) {
        std::string text;
        if (ctx_.Expand(refl->GetString(*msg, fd), loc, field_path, &text)) {
          refl->SetString(msg, fd, text);
        } else {
          refl->ClearField(msg, fd);
        }
      }
    }
  }

 private:
  SourceLocation Loc(const ParseInfoTree* tree, const pb::FieldDescriptor* fd, int index) const {
    if (tree == nullptr) return {};
    pb::TextFormat::ParseLocation at = tree->GetLocation(fd, index);
    return ctx_.At(at.line, at.column);
  }
  static const ParseInfoTree* Nested(const ParseInfoTree* tree, const pb::FieldDescriptor* fd,
                                     int index) {
    return tree == nullptr ? nullptr : tree->GetTreeForNested(fd, index);
  }

  void WalkStruct(pb::Message* msg, const ParseInfoTree* tree, const std::string& path) {
    const pb::Reflection* refl = msg->GetReflection();
    const pb::FieldDescriptor* fields = msg->GetDescriptor()->FindFieldByName("fields");
    const pb::Descriptor* entry_desc = fields->message_type();
    const pb::FieldDescriptor* key_fd = entry_desc->FindFieldByName("key");
    const pb::FieldDescriptor* value_fd = entry_desc->FindFieldByName("value");
    std::map<std::string, int> first_line;
    for (int i = 0; i < refl->FieldSize(*msg, fields); ++i) {
      pb::Message* entry = refl->MutableRepeatedMessage(msg, fields, i);
      std::string key = entry->GetReflection()->GetString(*entry, key_fd);
      std::string key_path = JoinPath(path, key);
      const ParseInfoTree* entry_tree = Nested(tree, fields, i);
      SourceLocation loc = Loc(entry_tree, value_fd, -1);
      if (loc.line == 0 && loc.origin.empty()) loc = Loc(tree, fields, i);
      auto [seen, inserted] = first_line.emplace(key, loc.line);
      if (!inserted) {
        std::string where =
            seen->second > 0 ? " (first at line " + std::to_string(seen->second) + ")" : "";
        ctx_.Error(loc, path, "duplicate key " + Quote(key) + where);
        continue;
      }
      ctx_.Record(key_path, loc);
      WalkValue(entry->GetReflection()->MutableMessage(entry, value_fd),
                Nested(entry_tree, value_fd, -1), key_path);
    }
  }

  void WalkValue(pb::Message* msg, const ParseInfoTree* tree, const std::string& path) {
    const pb::Descriptor* desc = msg->GetDescriptor();
    const pb::Reflection* refl = msg->GetReflection();
    const pb::FieldDescriptor* kind =
        refl->GetOneofFieldDescriptor(*msg, desc->FindOneofByName("kind"));
    if (kind == nullptr) return;
    if (kind->name() == "string_value") {
      std::string text;
      if (ctx_.Expand(refl->GetString(*msg, kind), ctx_.locations->Lookup(path), path, &text)) {
        refl->SetString(msg, kind, text);
      } else {
        refl->SetEnumValue(msg, desc->FindFieldByName("null_value"), 0);
      }
    } else if (kind->name() == "struct_value") {
      WalkStruct(refl->MutableMessage(msg, kind), Nested(tree, kind, -1), path);
    } else if (kind->name() == "list_value") {
      pb::Message* list = refl->MutableMessage(msg, kind);
      const ParseInfoTree* list_tree = Nested(tree, kind, -1);
      const pb::FieldDescriptor* values = list->GetDescriptor()->FindFieldByName("values");
      for (int i = 0; i < list->GetReflection()->FieldSize(*list, values); ++i) {
        std::string element_path = IndexPath(path, i);
        ctx_.Record(element_path, Loc(list_tree, values, i));
        WalkValue(list->GetReflection()->MutableRepeatedMessage(list, values, i),
                  Nested(list_tree, values, i), element_path);
      }
    }
  }

  const ReaderContext& ctx_;
};

}  // namespace

bool ReadTextprotoPipeline(std::string_view text, const ReaderContext& ctx, config::Pipeline* out) {
  const OrderedSchema& schema = Schema();
  if (schema.prototype == nullptr) {
    ctx.Error({}, "", "internal error: cannot build the protobuf text schema");
    return false;
  }
  std::unique_ptr<pb::Message> parsed(schema.prototype->New());
  Collector collector(ctx, text);
  ParseInfoTree tree;
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), parsed.get())) {
    if (collector.errors() == 0) ctx.Error({}, "", "protobuf text syntax error");
    return false;
  }
  if (parsed->ByteSizeLong() == 0) {
    ctx.Error({}, "", "pipeline file is empty");
    return false;
  }
  Walker(ctx).WalkMessage(parsed.get(), &tree, "");
  std::string wire;
  if (!parsed->SerializeToString(&wire) || !out->ParseFromString(wire)) {
    ctx.Error({}, "", "internal error: cannot convert the protobuf text message");
    return false;
  }
  return true;
}

}  // namespace trestle::core
