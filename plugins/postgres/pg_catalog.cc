#include "pg_catalog.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <trestle/error.hpp>

namespace trestle_pg {

std::string TableName::sql() const { return (schema.empty() ? "" : quote_ident(schema) + ".") + quote_ident(name); }

TableName TableName::parse(const std::string& text) {
  std::vector<std::string> parts;
  std::string cur;
  bool quoted = false, was_quoted = false;
  auto bad = [&](const std::string& why) {
    return trestle::InvalidArgument("option \"table\": \"" + text + "\" is not a table name: " + why);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      if (!cur.empty()) throw bad("a quote in the middle of a name");
      quoted = was_quoted = true;
    } else if (c == '.') {
      if (cur.empty()) throw bad("an empty part");
      parts.push_back(cur), cur.clear(), was_quoted = false;
    } else {
      if (was_quoted) throw bad("text after a closing quote");
      if (std::isspace(static_cast<unsigned char>(c))) throw bad("white space outside quotes");
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (quoted) throw bad("an unclosed quote");
  if (cur.empty()) throw bad("an empty part");
  parts.push_back(cur);
  if (parts.size() > 2) throw bad("more than schema.table");
  TableName t;
  t.display = text;
  t.name = parts.back();
  if (parts.size() == 2) t.schema = parts[0];
  return t;
}

const TargetColumn* TableInfo::find(const std::string& column) const {
  for (const auto& c : columns)
    if (c.name == column) return &c;
  return nullptr;
}

TableInfo read_table(Session& s, const TableName& t, Deadline d, const CancelFn& cancelled) {
  TableInfo info;
  const std::string what = "reading the catalog entry of table " + t.display;
  Result rel = s.exec("SELECT c.oid::text FROM pg_class c WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')",
                      {t.sql()}, what, d, cancelled);
  if (PQntuples(rel.get()) == 0) return info;
  info.exists = true;
  const std::string oid = PQgetvalue(rel.get(), 0, 0);
  Result cols = s.exec(
      "SELECT attname, atttypid::text, atttypmod::text, format_type(atttypid, atttypmod), attnotnull, "
      "atthasdef OR attidentity <> '' OR attgenerated <> '', attgenerated <> '' "
      "FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
      {oid}, what, d, cancelled);
  for (int r = 0; r < PQntuples(cols.get()); ++r) {
    TargetColumn c;
    c.name = PQgetvalue(cols.get(), r, 0);
    c.oid = static_cast<Oid>(std::stoul(PQgetvalue(cols.get(), r, 1)));
    c.typmod = std::stoi(PQgetvalue(cols.get(), r, 2));
    c.type = PQgetvalue(cols.get(), r, 3);
    c.not_null = PQgetvalue(cols.get(), r, 4)[0] == 't';
    c.has_default = PQgetvalue(cols.get(), r, 5)[0] == 't';
    c.generated = PQgetvalue(cols.get(), r, 6)[0] == 't';
    info.columns.push_back(std::move(c));
  }
  Result idx = s.exec(
      "SELECT i.indexrelid::text, a.attname FROM pg_index i "
      "CROSS JOIN LATERAL unnest(i.indkey::int2[]) AS k(attnum) "
      "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
      "WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL",
      {oid}, what, d, cancelled);
  std::map<std::string, std::vector<std::string>> by_index;
  for (int r = 0; r < PQntuples(idx.get()); ++r) by_index[PQgetvalue(idx.get(), r, 0)].push_back(PQgetvalue(idx.get(), r, 1));
  for (auto& [_, names] : by_index) {
    std::sort(names.begin(), names.end());
    info.unique_keys.push_back(names);
  }
  return info;
}

}  // namespace trestle_pg
