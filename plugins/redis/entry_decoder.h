#pragma once
// Turns stream entries into rows of the declared schema, in one of two layouts:
//
//   payload_field: NAME   the entry's field NAME holds one JSON object; its keys are the
//                         columns (keys outside the schema are ignored)
//   flat (no payload)     each field of the entry is one column, its value as text
//
// A missing key or field, and JSON null, are null; an empty flat value is null for
// every type but utf8. A value that does not fit its column's type, invalid JSON, or a
// null in a not_null column makes the entry undecodable: nothing of it is appended and
// the reason says which column and value.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <trestle/column.hpp>
#include <trestle/schema.hpp>

#include "stream_entry.h"

namespace trestle_redis {

class EntryDecoder {
 public:
  /// `schema`: the output schema; its column named `id_column` (when not empty) gets
  /// the entry id, every other column comes from the entry.
  EntryDecoder(trestle::Schema schema, std::string payload_field, std::string id_column);

  const trestle::Schema& schema() const { return schema_; }

  /// Appends one value per column to `builders` (one per schema column), or nothing
  /// and sets `*reason` when the entry cannot become a row.
  bool append(const StreamEntry& e, std::vector<trestle::ColumnBuilder>& builders, std::string* reason);

 private:
  struct Cell {
    bool null = true;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    std::string s;
  };
  bool decode_flat(const StreamEntry& e, std::string* reason);
  bool decode_json(const StreamEntry& e, std::string* reason);
  bool parse_text(size_t col, const std::string& v, std::string* reason);

  trestle::Schema schema_;
  std::string payload_field_;
  int id_index_ = -1;
  std::unordered_map<std::string, size_t> index_;  // data column name -> schema index
  std::vector<Cell> cells_;                        // reused for every entry
};

/// `v` cut after 100 bytes (at a UTF-8 boundary) with "..." after it.
std::string shorten(const std::string& v);
/// shorten(v) in double quotes.
std::string excerpt(const std::string& v);

}  // namespace trestle_redis
