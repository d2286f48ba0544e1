#pragma once
// What the sink needs to know about its target table, read from the system catalog
// without changing anything: its columns and the column sets of its unique indexes.

#include <string>
#include <vector>

#include "pg_session.h"
#include "pg_types.h"

namespace trestle_pg {

/// A table name as the `table` option gives it: "name" or "schema.name". As in SQL,
/// unquoted parts fold to lower case and "quoted" parts are kept exactly.
struct TableName {
  std::string schema;  ///< empty: the search_path decides
  std::string name;
  /// The option as written, for messages.
  std::string display;
  /// "schema"."name" (or "name"), quoted for SQL.
  std::string sql() const;
  /// Throws InvalidArgument naming option "table" when `text` is not a table name.
  static TableName parse(const std::string& text);
};

struct TableInfo {
  bool exists = false;
  std::vector<TargetColumn> columns;
  /// The columns of each unique index without predicate or expressions (primary key
  /// included), each list sorted by name.
  std::vector<std::vector<std::string>> unique_keys;
  const TargetColumn* find(const std::string& column) const;
};

/// Reads the table's entry (exists = false when there is no such table or view).
TableInfo read_table(Session& s, const TableName& t, Deadline d, const CancelFn& cancelled);

}  // namespace trestle_pg
