#pragma once
// The fixture of the postgres plugin's tests: one real PostgreSQL server per test
// process, started by the first test and stopped after the last (tests/db/pg_server.h).
// A server that cannot start fails every test with the reason; nothing is skipped.

#include <cctype>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include <trestle/sdk.hpp>
#include <trestle/testing.hpp>

#include "pg_server.h"

namespace trestle_pg::testing {

class PgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!server_) server_ = trestle::dbtest::PgServer::Create(&error_);
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_TRUE(server_ != nullptr) << "cannot start PostgreSQL: " << error_; }

  trestle::dbtest::PgServer& server() { return *server_; }
  std::string conninfo() const { return server_->ConnInfo(); }
  std::string Sql(const std::string& sql) { return server_->Exec(sql); }
  /// A table name unique to the running test.
  static std::string TableName() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string n = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : n) c = static_cast<char>(std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_');
    // Within PostgreSQL's 63 bytes, still unique per test.
    if (n.size() > 48) n = n.substr(0, 40) + "_" + std::to_string(std::hash<std::string>()(n) % 1000000);
    return n;
  }

  static inline std::unique_ptr<trestle::dbtest::PgServer> server_;
  static inline std::string error_;
};

}  // namespace trestle_pg::testing
