#pragma once
// The SQL of one sqlite_sink, derived once from its options, the input schema and the
// target table: the validate-time check of the input against the table, the DDL of a
// table to create, the staging table, and the merge of each mode.
//
// Staging: rows go into the connection's TEMP table "trestle_staging" (TEMP lives apart
// from the database file, so staging never touches it). Its columns carry the target
// columns' affinities, so a staged value is the value the target will store, and for
// upsert it has UNIQUE(key), which is how a key seen twice in one run is caught.
//
// Merges, run by the final commit inside the open transaction:
//   append             INSERT INTO t (cols) SELECT cols FROM staging ORDER BY rowid
//   replace_partition  DELETE FROM t WHERE (partition_by) IN (SELECT DISTINCT ... FROM
//                      staging); then the append. Only partitions present in this run's
//                      rows are replaced: a run with no rows replaces nothing.
//   upsert             the append with ON CONFLICT (key) DO UPDATE SET c = excluded.c for
//                      every input column outside the key (DO NOTHING when there is none);
//                      table columns the input lacks keep their values.

#include <string>
#include <vector>

#include <trestle/options.hpp>
#include <trestle/schema.hpp>

#include "table_info.h"

namespace trestle_sqlite {

enum class WriteMode { Append, ReplacePartition, Upsert };

struct SinkSettings {
  std::string table;
  WriteMode mode = WriteMode::Append;
  trestle::StringList partition_by;
  trestle::StringList key;
};

/// How one input column is written.
struct ColumnPlan {
  std::string name;       ///< the input's spelling
  trestle::Type type;
  std::string declared;   ///< the target column's declared type
  std::string null_rule;  ///< non-empty: NULL is rejected, and this says why
};

/// Checks the input against an existing table and plans each input column. Throws
/// InvalidArgument naming table, column and both types: an input column the table
/// lacks or declares with a type that does not hold it (declared_type.h); a table column
/// the input lacks that is NOT NULL without a default; for upsert, no PRIMARY KEY or
/// UNIQUE index on exactly the key. `where` names the sink and file.
std::vector<ColumnPlan> plan_columns(const TableInfo& table, const trestle::Schema& input, const SinkSettings& s,
                                     const std::string& where);

/// The input planned as the columns of a table create: true makes (declared_type.h).
std::vector<ColumnPlan> plan_new_table(const trestle::Schema& input, const SinkSettings& s);

/// CREATE TABLE main.t with the input's columns; key columns NOT NULL and the PRIMARY
/// KEY in upsert mode.
std::string create_table_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s);

std::string create_staging_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s);

/// INSERT of one row into staging (?1..?N in input order); in upsert mode a key already
/// staged changes nothing (sqlite3_changes() == 0 tells).
std::string staging_insert_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s);

/// The statements of the merge, in order.
std::vector<std::string> merge_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s);

}  // namespace trestle_sqlite
