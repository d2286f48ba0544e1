#include "sink_plan.h"

#include <algorithm>

#include <trestle/error.hpp>

#include "declared_type.h"
#include "sqlite_db.h"

namespace trestle_sqlite {
namespace {

bool listed(const trestle::StringList& names, const std::string& n) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& x) { return same_name(x, n); });
}

std::string null_rule(const std::string& column, const SinkSettings& s, bool not_null, const std::string& table) {
  if (s.mode == WriteMode::Upsert && listed(s.key, column)) return "it is part of the key, which needs a value";
  if (s.mode == WriteMode::ReplacePartition && listed(s.partition_by, column))
    return "it is a partition_by column, which needs a value";
  if (not_null) return "table \"" + table + "\" declares it NOT NULL";
  return {};
}

std::string column_list(const std::vector<ColumnPlan>& cols, const char* prefix = "") {
  std::string o;
  for (size_t i = 0; i < cols.size(); ++i) o += (i ? ", " : "") + std::string(prefix) + quote_ident(cols[i].name);
  return o;
}

std::string ident_list(const trestle::StringList& names) {
  std::string o;
  for (size_t i = 0; i < names.size(); ++i) o += (i ? ", " : "") + quote_ident(names[i]);
  return o;
}

const char* kStaging = "temp.\"trestle_staging\"";

}  // namespace

std::vector<ColumnPlan> plan_columns(const TableInfo& table, const trestle::Schema& input, const SinkSettings& s,
                                     const std::string& where) {
  const std::string t = "table \"" + s.table + "\"";
  std::vector<ColumnPlan> out;
  // Every mismatch at once: whoever fixes the table should not meet them one a run.
  std::vector<std::string> problems;
  for (const auto& f : input.fields()) {
    const TableColumn* c = table.find(f.name);
    if (c == nullptr) {
      std::string have;
      for (const auto& tc : table.columns) have += (have.empty() ? "" : ", ") + tc.name;
      problems.push_back(t + " has no column \"" + f.name + "\" (its columns: " + have + "); add it (ALTER TABLE " +
                         quote_ident(s.table) + " ADD COLUMN " + quote_ident(f.name) + " " +
                         declared_type_to_create(f.type) + ") or leave it out of the input");
      continue;
    }
    if (c->generated) {
      problems.push_back(t + " column \"" + c->name +
                         "\" is a generated column, which cannot be written; leave it out of the input");
      continue;
    }
    if (!holds(c->declared, f.type)) {
      problems.push_back(t + " column \"" + c->name + "\" is declared " +
                         (c->declared.empty() ? std::string("without a type") : c->declared) +
                         ", which does not hold the input's " + trestle::type_name(f.type) + " values (" +
                         trestle::type_name(f.type) + " goes into " + declared_types_for(f.type) + ")");
      continue;
    }
    out.push_back(ColumnPlan{f.name, f.type, c->declared, null_rule(f.name, s, c->not_null && !c->rowid_alias, s.table)});
  }
  for (const auto& c : table.columns) {
    if (input.index_of(c.name) >= 0 || c.generated || c.rowid_alias || !c.not_null || c.has_default) continue;
    bool present = false;
    for (const auto& f : input.fields()) present = present || same_name(f.name, c.name);
    if (!present)
      problems.push_back(t + " column \"" + c.name +
                         "\" is NOT NULL without a default, and the input has no such column (input columns: " +
                         input.names_list() + ")");
  }
  if (s.mode == WriteMode::Upsert) {
    const bool ok = std::any_of(table.unique_keys.begin(), table.unique_keys.end(),
                                [&](const std::vector<std::string>& k) { return same_name_set(k, s.key); });
    if (!ok) {
      std::string have;
      for (const auto& k : table.unique_keys) have += (have.empty() ? "" : ", ") + name_tuple(k);
      problems.push_back("mode: upsert needs a PRIMARY KEY or UNIQUE index on exactly " + name_tuple(s.key) + " in " +
                         t + ", which has " + (have.empty() ? std::string("none") : "unique keys " + have) +
                         "; create one (CREATE UNIQUE INDEX ... ON " + quote_ident(s.table) + " (" +
                         ident_list(s.key) + ")) or change option \"key\"");
    }
  }
  if (!problems.empty()) {
    std::string all = where + ": ";
    for (size_t k = 0; k < problems.size(); ++k) all += (k == 0 ? "" : "; ") + problems[k];
    throw trestle::InvalidArgument(all);
  }
  return out;
}

std::vector<ColumnPlan> plan_new_table(const trestle::Schema& input, const SinkSettings& s) {
  std::vector<ColumnPlan> out;
  for (const auto& f : input.fields())
    out.push_back(ColumnPlan{f.name, f.type, declared_type_to_create(f.type), null_rule(f.name, s, false, s.table)});
  return out;
}

std::string create_table_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s) {
  std::string sql = "CREATE TABLE main." + quote_ident(s.table) + " (";
  for (size_t i = 0; i < cols.size(); ++i) {
    sql += (i ? ", " : "") + quote_ident(cols[i].name) + " " + cols[i].declared;
    if (s.mode == WriteMode::Upsert && listed(s.key, cols[i].name)) sql += " NOT NULL";
  }
  if (s.mode == WriteMode::Upsert) sql += ", PRIMARY KEY (" + ident_list(s.key) + ")";
  return sql + ")";
}

std::string create_staging_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s) {
  std::string sql = std::string("CREATE TEMP TABLE ") + kStaging + " (";
  for (size_t i = 0; i < cols.size(); ++i) {
    sql += (i ? ", " : "") + quote_ident(cols[i].name);
    const std::string affinity = affinity_keyword(cols[i].declared);
    if (!affinity.empty()) sql += " " + affinity;
  }
  if (s.mode == WriteMode::Upsert) sql += ", UNIQUE (" + ident_list(s.key) + ")";
  return sql + ")";
}

std::string staging_insert_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s) {
  std::string sql = std::string("INSERT INTO ") + kStaging + " (" + column_list(cols) + ") VALUES (";
  for (size_t i = 0; i < cols.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 1);
  sql += ")";
  if (s.mode == WriteMode::Upsert) sql += " ON CONFLICT DO NOTHING";
  return sql;
}

std::vector<std::string> merge_sql(const std::vector<ColumnPlan>& cols, const SinkSettings& s) {
  const std::string target = "main." + quote_ident(s.table);
  const std::string names = column_list(cols);
  std::vector<std::string> out;
  if (s.mode == WriteMode::ReplacePartition)
    out.push_back("DELETE FROM " + target + " WHERE (" + ident_list(s.partition_by) + ") IN (SELECT DISTINCT " +
                  ident_list(s.partition_by) + " FROM " + kStaging + ")");
  std::string insert = "INSERT INTO " + target + " (" + names + ") SELECT " + names + " FROM " + kStaging;
  if (s.mode != WriteMode::Upsert) {
    out.push_back(insert + " ORDER BY rowid");
    return out;
  }
  // "WHERE true" keeps the parser from reading ON CONFLICT as a join constraint.
  insert += " WHERE true ORDER BY rowid ON CONFLICT (" + ident_list(s.key) + ") DO ";
  std::string sets;
  for (const auto& c : cols)
    if (!listed(s.key, c.name)) sets += (sets.empty() ? "" : ", ") + quote_ident(c.name) + " = excluded." + quote_ident(c.name);
  out.push_back(insert + (sets.empty() ? "NOTHING" : "UPDATE SET " + sets));
  return out;
}

}  // namespace trestle_sqlite
