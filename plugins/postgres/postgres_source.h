#pragma once
// postgres_source: reads the rows of a parameterised query in batches through a
// server-side cursor (DECLARE ... NO SCROLL CURSOR in a READ ONLY transaction, then
// FETCH FORWARD). The output schema comes from the server's description of the
// prepared query at open(), so validate catches a dropped or retyped column.
//
// A next() that failed (connection lost, statement deadline) is retried by the engine;
// the retry starts a new transaction, declares the cursor again and skips (MOVE) the
// rows already delivered, so the rows come out exactly once only when the query's
// order is deterministic: give it an ORDER BY on a unique key.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "pg_session.h"

namespace trestle_pg {

class PostgresSource final : public trestle::DataSource {
 public:
  static trestle::OperatorSpec spec();
  explicit PostgresSource(const trestle::Options& options);

  /// Connects (unless TRESTLE_OFFLINE=1) and describes the prepared query.
  trestle::Schema open() override;
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  Deadline statement_deadline() const { return Deadline::in_ms(statement_timeout_ms_, "statement_timeout_ms"); }
  void start_cursor(trestle::Context& ctx);
  trestle::Batch convert(const PGresult* rows, trestle::Context& ctx);

  std::string conninfo_;
  Endpoint endpoint_;
  std::string query_;
  std::vector<std::string> params_;
  std::map<std::string, trestle::Type> declared_;
  int64_t fetch_rows_ = 0;
  double connect_deadline_s_ = 30;
  int64_t statement_timeout_ms_ = 0;
  int64_t min_rows_ = 0;

  trestle::Schema schema_;
  std::unique_ptr<Session> session_;
  bool cursor_open_ = false;
  bool done_ = false;
  int64_t delivered_ = 0;  // rows fetched and handed over (or rejected) so far
};

}  // namespace trestle_pg
