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
#include "config/limits.h"
#include "config/utf8.h"
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
// every string value (never map keys). Levels count as in YAML: the pipeline is level 1,
// each message, repeated field, Struct and list one more.
class Walker {
 public:
  explicit Walker(const ReaderContext& ctx) : ctx_(ctx) {}

  /// True once a limit stopped the walk (reported).
  bool stopped() const { return stopped_; }

  void WalkMessage(pb::Message* msg, const ParseInfoTree* tree, const std::string& path,
                   int level) {
    if (!Enter(level, ctx_.locations->Lookup(path), path)) return;
    const pb::Descriptor* desc = msg->GetDescriptor();
    if (desc->full_name() == "google.protobuf.Struct") return WalkStruct(msg, tree, path, level);
    const pb::Reflection* refl = msg->GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    refl->ListFields(*msg, &fields);
    for (const pb::FieldDescriptor* fd : fields) {
      std::string field_path = JoinPath(path, fd->name());
      const bool is_message = fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
      const bool is_string = fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING;
      if (stopped_) return;
      if (fd->is_repeated()) {
        if (!Record(field_path, Loc(tree, fd, 0)) ||
            !Enter(level + 1, Loc(tree, fd, 0), field_path)) {
          return;
        }
        for (int i = 0; i < refl->FieldSize(*msg, fd); ++i) {
          std::string element_path = IndexPath(field_path, i);
          SourceLocation loc = Loc(tree, fd, i);
          if (!Record(element_path, loc)) return;
          if (is_message) {
            WalkMessage(refl->MutableRepeatedMessage(msg, fd, i), Nested(tree, fd, i), element_path,
                        level + 2);
          } else if (is_string) {
            std::string text;
            // An element that cannot be read stays, empty, so later ones keep their index.
            if (!ctx_.Expand(refl->GetRepeatedString(*msg, fd, i), loc, element_path, &text)) {
              text.clear();
            }
            refl->SetRepeatedString(msg, fd, i, text);
          }
        }
        continue;
      }
      SourceLocation loc = Loc(tree, fd, -1);
      if (!Record(field_path, loc)) return;
      if (is_message) {
        WalkMessage(refl->MutableMessage(msg, fd), Nested(tree, fd, -1), field_path, level + 1);
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

  // Records where `path` is, charging its length to the budget of kMaxPathBytes.
  bool Record(const std::string& path, const SourceLocation& loc) {
    if (stopped_) return false;
    if (!RecordWithinPathBudget(ctx_, &path_bytes_, path, loc)) stopped_ = true;
    return !stopped_;
  }

  // A message, repeated field, Struct or list at `level`: false (reported) beyond
  // kMaxNesting.
  bool Enter(int level, const SourceLocation& loc, const std::string& path) {
    if (stopped_) return false;
    if (level <= kMaxNesting) return true;
    stopped_ = true;
    ctx_.Error(loc, path,
               "lists and mappings nested more than " + std::to_string(kMaxNesting) + " deep");
    return false;
  }

  void WalkStruct(pb::Message* msg, const ParseInfoTree* tree, const std::string& path, int level) {
    const pb::Reflection* refl = msg->GetReflection();
    const pb::FieldDescriptor* fields = msg->GetDescriptor()->FindFieldByName("fields");
    const pb::Descriptor* entry_desc = fields->message_type();
    const pb::FieldDescriptor* key_fd = entry_desc->FindFieldByName("key");
    const pb::FieldDescriptor* value_fd = entry_desc->FindFieldByName("value");
    std::map<std::string, int> first_line;
    for (int i = 0; i < refl->FieldSize(*msg, fields); ++i) {
      if (stopped_) return;
      pb::Message* entry = refl->MutableRepeatedMessage(msg, fields, i);
      std::string key = entry->GetReflection()->GetString(*entry, key_fd);
      const ParseInfoTree* entry_tree = Nested(tree, fields, i);
      SourceLocation loc = Loc(entry_tree, value_fd, -1);
      if (loc.line == 0 && loc.origin.empty()) loc = Loc(tree, fields, i);
      if (FindInvalidUtf8(key) != std::string::npos) {
        // Reported; the key must still become valid for the generated classes.
        ctx_.Error(loc, path, "key is not valid UTF-8");
        key = RepairUtf8AsLatin1(key);
        entry->GetReflection()->SetString(entry, key_fd, key);
      }
      std::string key_path = JoinPath(path, key);
      auto [seen, inserted] = first_line.emplace(key, loc.line);
      if (!inserted) {
        std::string where =
            seen->second > 0 ? " (first at line " + std::to_string(seen->second) + ")" : "";
        ctx_.Error(loc, path, "duplicate key " + Quote(key) + where);
        continue;
      }
      if (!Record(key_path, loc)) return;
      WalkValue(entry->GetReflection()->MutableMessage(entry, value_fd),
                Nested(entry_tree, value_fd, -1), key_path, level);
    }
  }

  // A value inside the Struct or list at `level`.
  void WalkValue(pb::Message* msg, const ParseInfoTree* tree, const std::string& path, int level) {
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
      if (!Enter(level + 1, ctx_.locations->Lookup(path), path)) return;
      WalkStruct(refl->MutableMessage(msg, kind), Nested(tree, kind, -1), path, level + 1);
    } else if (kind->name() == "list_value") {
      if (!Enter(level + 1, ctx_.locations->Lookup(path), path)) return;
      pb::Message* list = refl->MutableMessage(msg, kind);
      const ParseInfoTree* list_tree = Nested(tree, kind, -1);
      const pb::FieldDescriptor* values = list->GetDescriptor()->FindFieldByName("values");
      for (int i = 0; i < list->GetReflection()->FieldSize(*list, values); ++i) {
        std::string element_path = IndexPath(path, i);
        if (!Record(element_path, Loc(list_tree, values, i))) return;
        WalkValue(list->GetReflection()->MutableRepeatedMessage(list, values, i),
                  Nested(list_tree, values, i), element_path, level + 1);
      }
    }
  }

  const ReaderContext& ctx_;
  size_t path_bytes_ = 0;
  bool stopped_ = false;
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
  Walker walker(ctx);
  walker.WalkMessage(parsed.get(), &tree, "", 1);
  if (walker.stopped()) return false;
  std::string wire;
  if (!parsed->SerializeToString(&wire) || !out->ParseFromString(wire)) {
    ctx.Error({}, "", "internal error: cannot convert the protobuf text message");
    return false;
  }
  return true;
}

}  // namespace trestle::core
