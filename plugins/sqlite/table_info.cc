#include "table_info.h"

#include <algorithm>
#include <cctype>

#include <trestle/error.hpp>

namespace trestle_sqlite {
namespace {

std::string text_at(sqlite3_stmt* s, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, col))) : std::string();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Steps `s` through its rows, calling `row` for each; throws naming `where` on failure.
template <typename F>
void each_row(const Db& db, const Stmt& s, const std::string& where, F&& row) {
  for (;;) {
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return;
    if (rc != SQLITE_ROW) throw sqlite_error(rc, where, db.errmsg());
    row(s.get());
  }
}

void bind_name(const Db& db, const Stmt& s, const std::string& name, const std::string& where) {
  int rc = sqlite3_bind_text(s.get(), 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw sqlite_error(rc, where, db.errmsg());
}

}  // namespace

const TableColumn* TableInfo::find(const std::string& name) const {
  for (const auto& c : columns)
    if (same_name(c.name, name)) return &c;
  return nullptr;
}

bool same_name(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool same_name_set(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& x : a)
    if (std::none_of(b.begin(), b.end(), [&](const std::string& y) { return same_name(x, y); })) return false;
  return true;
}

std::string name_tuple(const std::vector<std::string>& names) {
  std::string s = "(";
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s + ")";
}

TableInfo read_table_info(const Db& db, const std::string& table, const std::string& where) {
  const std::string at = where + ": reading table \"" + table + "\"";
  TableInfo info;
  {
    Stmt s = Stmt::prepare(db, "SELECT type FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view')", at);
    bind_name(db, s, table, at);
    std::string type;
    each_row(db, s, at, [&](sqlite3_stmt* st) { type = text_at(st, 0); });
    if (type.empty()) return info;
    if (type == "view")
      throw trestle::InvalidArgument(where + ": option \"table\": \"" + table + "\" is a view; a sink writes into a table");
  }
  info.exists = true;
  std::vector<std::string> pk;
  {
    // xinfo lists generated columns too (hidden 2 or 3); hidden 1 are virtual-table ones.
    Stmt s = Stmt::prepare(db, "SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk, hidden FROM pragma_table_xinfo(?1, 'main') ORDER BY cid", at);
    bind_name(db, s, table, at);
    each_row(db, s, at, [&](sqlite3_stmt* st) {
      TableColumn c;
      c.name = text_at(st, 0);
      c.declared = text_at(st, 1);
      c.not_null = sqlite3_column_int(st, 2) != 0;
      c.has_default = sqlite3_column_int(st, 3) != 0;
      const int pk_pos = sqlite3_column_int(st, 4);
      const int hidden = sqlite3_column_int(st, 5);
      c.generated = hidden == 2 || hidden == 3;
      if (pk_pos > 0) {
        if (pk.size() < static_cast<size_t>(pk_pos)) pk.resize(static_cast<size_t>(pk_pos));
        pk[static_cast<size_t>(pk_pos - 1)] = c.name;
      }
      if (hidden != 1) info.columns.push_back(c);
    });
  }
  if (!pk.empty()) {
    info.unique_keys.push_back(pk);
    if (pk.size() == 1) {
      // Only a column declared exactly INTEGER is the rowid (in a rowid table).
      for (auto& c : info.columns)
        if (same_name(c.name, pk[0]) && upper(c.declared) == "INTEGER") c.rowid_alias = true;
    }
  }
  std::vector<std::string> unique_indexes;
  {
    Stmt s = Stmt::prepare(db, "SELECT name FROM pragma_index_list(?1, 'main') WHERE \"unique\" AND NOT partial", at);
    bind_name(db, s, table, at);
    each_row(db, s, at, [&](sqlite3_stmt* st) { unique_indexes.push_back(text_at(st, 0)); });
  }
  for (const auto& index : unique_indexes) {
    Stmt s = Stmt::prepare(db, "SELECT name FROM pragma_index_info(?1, 'main') ORDER BY seqno", at);
    bind_name(db, s, index, at);
    std::vector<std::string> cols;
    bool plain = true;
    each_row(db, s, at, [&](sqlite3_stmt* st) {
      if (sqlite3_column_type(st, 0) == SQLITE_NULL) plain = false;  // an expression part
      else cols.push_back(text_at(st, 0));
    });
    if (plain && !cols.empty()) info.unique_keys.push_back(cols);
  }
  return info;
}

}  // namespace trestle_sqlite
