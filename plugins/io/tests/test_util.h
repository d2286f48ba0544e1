#pragma once
// Helpers for the io plugin tests: temporary directories, files, and reading columns
// of several batches as plain vectors.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>
#include <trestle/testing.hpp>

namespace trestle_io::test {

inline std::string testdata(const std::string& name) { return std::string(TRESTLE_IO_TESTDATA_DIR) + "/" + name; }

/// A fresh directory under ::testing::TempDir(), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "trestle_io_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  /// Writes `content` (bytes as given) to `name` and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = file(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  std::string path_;
};

inline bool exists(const std::string& p) { return std::filesystem::exists(p); }

inline std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline int64_t total_rows(const std::vector<trestle::Batch>& bs) {
  int64_t n = 0;
  for (const auto& b : bs) n += b.num_rows();
  return n;
}

/// Every value of column `name` across `bs`, nulls as nullopt.
template <typename T, typename Get>
std::vector<std::optional<T>> values(const std::vector<trestle::Batch>& bs, const std::string& name, Get get) {
  std::vector<std::optional<T>> out;
  for (const auto& b : bs) {
    const trestle::Column& c = b.column(name);
    for (int64_t r = 0; r < c.size(); ++r) out.push_back(c.is_null(r) ? std::nullopt : std::optional<T>(get(c, r)));
  }
  return out;
}
inline std::vector<std::optional<int64_t>> i64s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<int64_t>(bs, n, [](const trestle::Column& c, int64_t r) { return c.i64(r); });
}
inline std::vector<std::optional<int32_t>> i32s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<int32_t>(bs, n, [](const trestle::Column& c, int64_t r) { return c.i32(r); });
}
inline std::vector<std::optional<double>> f64s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<double>(bs, n, [](const trestle::Column& c, int64_t r) { return c.f64(r); });
}
inline std::vector<std::optional<float>> f32s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<float>(bs, n, [](const trestle::Column& c, int64_t r) { return c.f32(r); });
}
inline std::vector<std::optional<bool>> bools(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<bool>(bs, n, [](const trestle::Column& c, int64_t r) { return c.bool_at(r); });
}
inline std::vector<std::optional<std::string>> strs(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<std::string>(bs, n, [](const trestle::Column& c, int64_t r) { return std::string(c.str(r)); });
}
inline std::vector<std::optional<int64_t>> tss(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<int64_t>(bs, n, [](const trestle::Column& c, int64_t r) { return c.ts(r); });
}

/// Microseconds of a UTC date-time, for expectations.
inline int64_t micros(int64_t days_since_epoch, int64_t h, int64_t m, int64_t s, int64_t us = 0) {
  return ((days_since_epoch * 24 + h) * 60 + m) * 60 * 1000000 + s * 1000000 + us;
}

}  // namespace trestle_io::test
