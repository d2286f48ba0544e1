#pragma once
// The fixture of the end-to-end database tests: the CLI fixture (a fresh directory, the
// real `trestle` executable) plus one real PostgreSQL server shared by every test of
// the binary (started by the first, stopped after the last). A server that cannot
// start fails each test with the reason; nothing is skipped.

#include <memory>
#include <string>

#include "cli_fixture.h"
#include "pg_server.h"

namespace trestle::dbtest {

class DbCliTest : public clitest::CliTest {
 protected:
  static void SetUpTestSuite() {
    if (!server_) server_ = PgServer::Create(&error_);
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    clitest::CliTest::SetUp();
    ASSERT_TRUE(server_ != nullptr) << "cannot start PostgreSQL: " << error_;
  }

  PgServer& server() { return *server_; }
  std::string Sql(const std::string& sql) { return server_->Exec(sql); }

  static inline std::unique_ptr<PgServer> server_;
  static inline std::string error_;
};

}  // namespace trestle::dbtest
