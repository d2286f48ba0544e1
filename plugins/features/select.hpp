#pragma once
#include <map>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// Keeps, drops, reorders and renames columns. The columns are shared, never copied.
class Select final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec();
  explicit Select(const trestle::Options& o);
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override;

 private:
  trestle::StringList keep_, drop_;
  std::map<std::string, std::string> rename_;
  std::vector<size_t> picked_;  // the input column of each output column
  trestle::Schema out_;
};

}  // namespace features
