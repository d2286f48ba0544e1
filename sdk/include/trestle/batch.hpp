#pragma once
/// Batch: an immutable record batch — a Schema plus one Column per field, all of
/// num_rows() rows. Copying a Batch shares the columns. Operations that "change" a
/// batch return a new one that shares every column they do not touch.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "trestle/c/abi.h"
#include "trestle/column.hpp"
#include "trestle/error.hpp"
#include "trestle/schema.hpp"

namespace trestle {

class Batch {
 public:
  Batch() = default;
  /// Throws InvalidArgument when the columns do not match the schema in count, type
  /// or length.
  Batch(Schema schema, std::vector<Column> columns) : schema_(std::move(schema)), columns_(std::move(columns)) {
    if (columns_.size() != schema_.size())
      throw InvalidArgument("batch has " + std::to_string(columns_.size()) + " columns but its schema " + std::to_string(schema_.size()));
    rows_ = columns_.empty() ? 0 : columns_[0].size();
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].type() != schema_.field(i).type)
        throw InvalidArgument("column \"" + schema_.field(i).name + "\" is " + type_name(columns_[i].type()) +
                              " but its schema says " + type_name(schema_.field(i).type));
      if (columns_[i].size() != rows_)
        throw InvalidArgument("column \"" + schema_.field(i).name + "\" has " + std::to_string(columns_[i].size()) +
                              " rows, the batch " + std::to_string(rows_));
    }
  }
  /// An empty batch (no rows) of `schema`.
  static Batch empty(const Schema& schema) {
    std::vector<Column> cols;
    for (const auto& f : schema.fields()) cols.push_back(ColumnBuilder(f.type).finish());
    return Batch(schema, std::move(cols));
  }

  int64_t num_rows() const { return rows_; }
  size_t num_columns() const { return columns_.size(); }
  const Schema& schema() const { return schema_; }
  const std::vector<Column>& columns() const { return columns_; }
  const Column& column(size_t i) const { return columns_.at(i); }
  /// The column called `name`; throws DataError naming it when absent.
  const Column& column(const std::string& name) const {
    int i = schema_.index_of(name);
    if (i < 0) throw DataError("batch has no column \"" + name + "\"");
    return columns_[static_cast<size_t>(i)];
  }

  /// A copy with column `name` replaced (keeping its position) or appended.
  Batch with_column(const std::string& name, Column c, bool nullable = true) const {
    Batch b = *this;
    int i = schema_.index_of(name);
    b.schema_ = schema_.with(Field{name, c.type(), nullable});
    if (i >= 0) b.columns_[static_cast<size_t>(i)] = std::move(c);
    else b.columns_.push_back(std::move(c));
    if (columns_.empty()) b.rows_ = b.columns_[0].size();
    return b;
  }
  /// A copy without column `name`.
  Batch without(const std::string& name) const {
    std::vector<Column> cols;
    for (size_t i = 0; i < columns_.size(); ++i)
      if (schema_.field(i).name != name) cols.push_back(columns_[i]);
    Batch b(schema_.without(name), std::move(cols));
    b.rows_ = rows_;
    return b;
  }
  /// Applies f to every non-null value of float64 column `name`; nulls stay null.
  template <typename F>
  Batch map_f64(const std::string& name, F&& f) const {
    const Column& in = column(name);
    if (in.type() != Type::Float64) throw DataError("column \"" + name + "\" is not float64");
    ColumnBuilder out(Type::Float64, rows_);
    for (int64_t r = 0; r < rows_; ++r) {
      if (in.is_null(r)) out.append_null();
      else out.append_f64(f(in.f64(r)));
    }
    return with_column(name, out.finish(), schema_.require(name).nullable);
  }
  /// The rows r with keep[r] != 0, in order. Copies the kept values.
  Batch filter(const std::vector<uint8_t>& keep) const {
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < rows_; ++r)
      if (keep[static_cast<size_t>(r)]) rows.push_back(r);
    if (static_cast<int64_t>(rows.size()) == rows_) return *this;
    return take(rows);
  }
  /// The given rows, in the given order. Copies the values.
  Batch take(const std::vector<int64_t>& rows) const {
    std::vector<Column> cols;
    for (const auto& c : columns_) {
      ColumnBuilder b(c.type(), static_cast<int64_t>(rows.size()));
      for (int64_t r : rows) b.append_from(c, r);
      cols.push_back(b.finish());
    }
    Batch b(schema_, std::move(cols));
    b.rows_ = static_cast<int64_t>(rows.size());
    return b;
  }
  /// Rows [start, start + n) without copying.
  Batch slice(int64_t start, int64_t n) const {
    std::vector<Column> cols;
    for (const auto& c : columns_) cols.push_back(c.slice(start, n));
    Batch b(schema_, std::move(cols));
    b.rows_ = n;
    return b;
  }

  /// Moves a "+s" ArrowArray into a Batch of `schema`. The batch (and every column
  /// copied out of it) keeps the array alive and releases it when the last is gone.
  /// Throws InvalidArgument when the array does not fit the schema.
  static Batch import_from(ArrowArray* moved, const Schema& schema);
  /// Fills caller-owned `out` with a "+s" ArrowArray sharing this batch's buffers.
  /// The consumer calls out->release; children may be moved out individually.
  void export_to(ArrowArray* out) const;

 private:
  Schema schema_;
  std::vector<Column> columns_;
  int64_t rows_ = 0;
};

namespace detail {

/// Owns an imported ArrowArray and releases it once.
struct ImportedArray {
  ArrowArray array;
  ~ImportedArray() {
    if (array.release) array.release(&array);
  }
};

struct ExportedColumn {
  Column column;  // keeps the buffers alive
  const void* buffers[3];
};

struct ExportedBatch {
  std::vector<ArrowArray> child_structs;
  std::vector<ArrowArray*> child_ptrs;
  const void* buffers[1] = {nullptr};
};

inline void release_exported_column(ArrowArray* a) {
  if (a->release == nullptr) return;
  delete static_cast<ExportedColumn*>(a->private_data);
  a->release = nullptr;
}

inline void release_exported_batch(ArrowArray* a) {
  if (a->release == nullptr) return;
  auto* holder = static_cast<ExportedBatch*>(a->private_data);
  for (ArrowArray* c : holder->child_ptrs)
    if (c->release) c->release(c);
  delete holder;
  a->release = nullptr;
}

}  // namespace detail

inline Batch Batch::import_from(ArrowArray* moved, const Schema& schema) {
  auto owner = std::make_shared<detail::ImportedArray>();
  owner->array = *moved;
  moved->release = nullptr;  // ownership moved
  const ArrowArray& a = owner->array;
  if (a.n_children != static_cast<int64_t>(schema.size()))
    throw InvalidArgument("batch has " + std::to_string(a.n_children) + " columns, its schema " + std::to_string(schema.size()));
  std::vector<Column> cols;
  cols.reserve(schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    const ArrowArray* c = a.children[i];
    const Field& f = schema.field(i);
    int64_t want = f.type == Type::Utf8 ? 3 : 2;
    if (c->n_buffers != want)
      throw InvalidArgument("column \"" + f.name + "\" has " + std::to_string(c->n_buffers) + " buffers, " + type_name(f.type) + " needs " + std::to_string(want));
    if (c->length < a.offset + a.length)
      throw InvalidArgument("column \"" + f.name + "\" is shorter than its batch");
    const void* values = c->buffers[1];
    const char* data = f.type == Type::Utf8 ? static_cast<const char*>(c->buffers[2]) : nullptr;
    int64_t nulls = c->buffers[0] == nullptr ? 0 : (a.offset == 0 && c->length == a.length ? c->null_count : -1);
    cols.emplace_back(f.type, a.length, c->offset + a.offset, nulls, static_cast<const uint8_t*>(c->buffers[0]), values, data, owner);
  }
  Batch b(schema, std::move(cols));
  b.rows_ = a.length;
  return b;
}

inline void Batch::export_to(ArrowArray* out) const {
  auto* holder = new detail::ExportedBatch();
  holder->child_structs.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& col = columns_[i];
    auto* ec = new detail::ExportedColumn{col, {col.validity_buffer(), col.values_buffer(), col.data_buffer()}};
    ArrowArray& c = holder->child_structs[i];
    c.length = col.size();
    c.null_count = col.validity_buffer() ? col.null_count() : 0;
    c.offset = col.offset();
    c.n_buffers = col.type() == Type::Utf8 ? 3 : 2;
    c.n_children = 0;
    c.buffers = ec->buffers;
    c.children = nullptr;
    c.dictionary = nullptr;
    c.release = &detail::release_exported_column;
    c.private_data = ec;
    holder->child_ptrs.push_back(&c);
  }
  out->length = rows_;
  out->null_count = 0;
  out->offset = 0;
  out->n_buffers = 1;
  out->n_children = static_cast<int64_t>(columns_.size());
  out->buffers = holder->buffers;
  out->children = holder->child_ptrs.data();
  out->dictionary = nullptr;
  out->release = &detail::release_exported_batch;
  out->private_data = holder;
}

}  // namespace trestle
