#pragma once
// What sqlite_sink needs to know about its target table, read from SQLite's catalogue
// (sqlite_master, pragma_table_xinfo, pragma_index_list/index_info), and the check of
// an input schema against it. Reading takes a shared lock for a moment and changes
// nothing.

#include <sqlite3.h>

#include <string>
#include <vector>

#include <trestle/schema.hpp>

#include "sqlite_db.h"

namespace trestle_sqlite {

struct TableColumn {
  std::string name;
  std::string declared;      ///< as written in CREATE TABLE ("" when none)
  bool not_null = false;
  bool has_default = false;
  bool generated = false;    ///< GENERATED ALWAYS AS (...): never written
  bool rowid_alias = false;  ///< INTEGER PRIMARY KEY: SQLite fills it when absent
};

struct TableInfo {
  bool exists = false;
  std::vector<TableColumn> columns;
  /// Column sets that are unique: the PRIMARY KEY and every UNIQUE index without a
  /// WHERE clause whose parts are all plain columns.
  std::vector<std::vector<std::string>> unique_keys;

  /// The column called `name` (ASCII case-insensitive, as SQLite compares), or null.
  const TableColumn* find(const std::string& name) const;
};

/// Reads table `table` of database "main". `where` names the sink and file for errors.
/// Throws InvalidArgument when `table` names a view, sqlite_error for SQLite failures.
TableInfo read_table_info(const Db& db, const std::string& table, const std::string& where);

/// ASCII case-insensitive equality, as SQLite compares identifiers.
bool same_name(const std::string& a, const std::string& b);

/// Whether `a` and `b` hold the same names, in any order (same_name).
bool same_name_set(const std::vector<std::string>& a, const std::vector<std::string>& b);

/// "(a, b)".
std::string name_tuple(const std::vector<std::string>& names);

}  // namespace trestle_sqlite
