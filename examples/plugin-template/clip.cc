// The smallest useful operator: clamp a float64 column into [lo, hi].
#include <algorithm>

#include <trestle/sdk.hpp>

class Clip final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("clip", "Clamp a numeric column into [lo, hi].")
        .param<std::string>("column", "column to clamp").required()
        .param<double>("lo", "lower bound", 0.0)
        .param<double>("hi", "upper bound", 1.0)
        .reentrant()
        .input_doc("<column> float64")
        .output_doc("the input, with <column> clamped");
  }
  explicit Clip(const trestle::Options& o)
      : column_(o.get<std::string>("column")), lo_(o.get<double>("lo")), hi_(o.get<double>("hi")) {
    if (lo_ > hi_) throw trestle::InvalidArgument("lo must not exceed hi");
  }
  trestle::Schema open(const trestle::Schema& in) override {
    in.require(column_, trestle::Type::Float64);
    return in;
  }
  trestle::Batch process(trestle::Batch in, trestle::Context&) override {
    return in.map_f64(column_, [&](double v) { return std::clamp(v, lo_, hi_); });
  }

 private:
  std::string column_;
  double lo_, hi_;
};

TRESTLE_PLUGIN("clip", "1.0.0", Clip)
