#pragma once
/// Schema: the named, typed columns of a batch, with export to and import from the
/// Arrow C Data Interface. A Schema is a plain value (copyable, owns its strings).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "trestle/c/abi.h"
#include "trestle/error.hpp"
#include "trestle/types.hpp"

namespace trestle {

struct Field {
  std::string name;
  Type type = Type::Float64;
  bool nullable = true;
};

class Schema {
 public:
  Schema() = default;
  Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}  // NOLINT

  size_t size() const { return fields_.size(); }
  const std::vector<Field>& fields() const { return fields_; }
  const Field& field(size_t i) const { return fields_.at(i); }

  /// Index of the column called `name`, or -1.
  int index_of(const std::string& name) const {
    for (size_t i = 0; i < fields_.size(); ++i)
      if (fields_[i].name == name) return static_cast<int>(i);
    return -1;
  }
  bool has(const std::string& name) const { return index_of(name) >= 0; }

  /// The field called `name`; throws InvalidArgument naming the column and the
  /// columns that exist when it is missing.
  const Field& require(const std::string& name) const {
    int i = index_of(name);
    if (i < 0) throw InvalidArgument("requires column \"" + name + "\", which the input lacks (input columns: " + names_list() + ")");
    return fields_[static_cast<size_t>(i)];
  }
  /// As require(name), and the column must have type `t`.
  const Field& require(const std::string& name, Type t) const {
    const Field& f = require(name);
    if (f.type != t)
      throw InvalidArgument("requires column \"" + name + "\" as " + type_name(t) + ", but the input has it as " + type_name(f.type));
    return f;
  }
  /// As require(name), and the column must be numeric (any type but utf8).
  const Field& require_numeric(const std::string& name) const {
    const Field& f = require(name);
    if (!is_numeric(f.type))
      throw InvalidArgument("requires column \"" + name + "\" to be numeric, but the input has it as " + type_name(f.type));
    return f;
  }

  /// A copy with `f` appended, or replacing the field of the same name in place.
  Schema with(Field f) const {
    Schema s = *this;
    int i = s.index_of(f.name);
    if (i >= 0) s.fields_[static_cast<size_t>(i)] = std::move(f);
    else s.fields_.push_back(std::move(f));
    return s;
  }
  /// A copy without the column `name` (unchanged when absent).
  Schema without(const std::string& name) const {
    Schema s;
    for (const auto& f : fields_)
      if (f.name != name) s.fields_.push_back(f);
    return s;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& f : fields_) n.push_back(f.name);
    return n;
  }
  /// "a, b, c".
  std::string names_list() const {
    std::string s;
    for (const auto& f : fields_) s += (s.empty() ? "" : ", ") + f.name;
    return s.empty() ? "none" : s;
  }

  bool operator==(const Schema& o) const {
    if (fields_.size() != o.fields_.size()) return false;
    for (size_t i = 0; i < fields_.size(); ++i)
      if (fields_[i].name != o.fields_[i].name || fields_[i].type != o.fields_[i].type) return false;
    return true;
  }
  bool operator!=(const Schema& o) const { return !(*this == o); }

  /// Fills `out` (caller-owned storage, moved to the consumer) with a "+s" struct
  /// schema whose children are the columns. The consumer calls out->release.
  void export_to(ArrowSchema* out) const;
  /// Reads a "+s" struct schema (borrowed). Throws InvalidArgument for a format
  /// outside ABI 1, naming the column.
  static Schema import_from(const ArrowSchema* in);

 private:
  std::vector<Field> fields_;
};

namespace detail {
struct ExportedSchema {
  std::vector<std::string> names;
  std::vector<ArrowSchema> child_structs;
  std::vector<ArrowSchema*> child_ptrs;
};

inline void release_child_schema(ArrowSchema* s) { s->release = nullptr; }

inline void release_schema(ArrowSchema* s) {
  if (s->release == nullptr) return;
  auto* holder = static_cast<ExportedSchema*>(s->private_data);
  for (auto* c : holder->child_ptrs)
    if (c->release) c->release(c);
  delete holder;
  s->release = nullptr;
}
}  // namespace detail

inline void Schema::export_to(ArrowSchema* out) const {
  auto* holder = new detail::ExportedSchema();
  holder->names.reserve(fields_.size());
  holder->child_structs.resize(fields_.size());
  for (size_t i = 0; i < fields_.size(); ++i) {
    holder->names.push_back(fields_[i].name);
    ArrowSchema& c = holder->child_structs[i];
    c.format = arrow_format(fields_[i].type);  // static storage
    c.name = holder->names.back().c_str();
    c.metadata = nullptr;
    c.flags = fields_[i].nullable ? ARROW_FLAG_NULLABLE : 0;
    c.n_children = 0;
    c.children = nullptr;
    c.dictionary = nullptr;
    c.release = &detail::release_child_schema;
    c.private_data = nullptr;
    holder->child_ptrs.push_back(&c);
  }
  out->format = "+s";
  out->name = "";
  out->metadata = nullptr;
  out->flags = 0;
  out->n_children = static_cast<int64_t>(fields_.size());
  out->children = holder->child_ptrs.data();
  out->dictionary = nullptr;
  out->release = &detail::release_schema;
  out->private_data = holder;
}

inline Schema Schema::import_from(const ArrowSchema* in) {
  if (in == nullptr || in->format == nullptr || std::string(in->format) != "+s")
    throw InvalidArgument("a batch schema must be a struct (\"+s\") schema");
  std::vector<Field> fields;
  for (int64_t i = 0; i < in->n_children; ++i) {
    const ArrowSchema* c = in->children[i];
    Field f;
    f.name = c->name ? c->name : "";
    if (!type_from_arrow_format(c->format, &f.type))
      throw InvalidArgument("column \"" + f.name + "\" has Arrow format \"" + (c->format ? c->format : "") +
                            "\", which ABI 1 does not support");
    f.nullable = (c->flags & ARROW_FLAG_NULLABLE) != 0;
    fields.push_back(std::move(f));
  }
  return Schema(std::move(fields));
}

}  // namespace trestle
