#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// Encodes utf8 columns as one float64 0/1 column per known category, named
/// "<column>=<category>", appended after the input columns.
class OneHot final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec();
  explicit OneHot(const trestle::Options& o);
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override;

  /// The name of the extra column of unknown values under unknown: bucket.
  static constexpr const char* kUnknown = "__unknown__";

 private:
  enum class Unknown { Bucket, Reject, Ignore };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Encoded {
    std::string column;
    std::vector<std::string> categories;
    std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> code;  // category -> position
    size_t index = 0;                                                     // set by open()
    /// The position of `value` among the categories, or -1. A few categories are
    /// compared in turn (cheaper than hashing the value); more are looked up in `code`.
    int32_t find(std::string_view value) const;
  };
  std::vector<Encoded> encoded_;
  Unknown unknown_;
  bool keep_original_;
  std::vector<size_t> passed_;  // input columns that go through, in order
  trestle::Schema out_;
};

}  // namespace features
