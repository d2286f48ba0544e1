#pragma once
// Fitted parameters that `impute` and `scale` read from a JSON file. Its members are
// columns; each is a number (a value to use as is) or an object of named statistics:
//
//   {"age": 38.5, "income": {"mean": 52000.0, "std": 12000.0, "median": 48000.0}}

#include <map>
#include <optional>
#include <string>

namespace features {

class ParamsFile {
 public:
  /// Reads and checks `path`; throws InvalidArgument naming the file and the problem.
  static ParamsFile load(const std::string& path);

  const std::string& path() const { return path_; }
  bool has(const std::string& column) const { return entries_.count(column) != 0; }
  /// The entry of `column` when it is a number; nullopt when it is absent or an object.
  std::optional<double> number(const std::string& column) const;
  /// Statistic `key` of `column`; throws InvalidArgument naming the file, the column and
  /// the key when the entry is absent, is a plain number, or lacks the key.
  double stat(const std::string& column, const std::string& key) const;

 private:
  struct Entry {
    std::optional<double> number;
    std::map<std::string, double> stats;
  };
  std::string path_;
  std::map<std::string, Entry> entries_;
};

}  // namespace features
