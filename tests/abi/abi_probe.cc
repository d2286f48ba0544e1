// A plugin that leans on std::string and std::vector internally, built by clang++ with
// -D_GLIBCXX_USE_CXX11_ABI=0 (the pre-C++11 std::string layout) to prove that nothing
// of the C++ standard library crosses the plugin boundary.
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

class Shout final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("shout", "Upper-cases a utf8 column and adds its length.")
        .param<std::string>("column", "the utf8 column").required()
        .param<std::string>("suffix", "appended to every value", std::string("!"))
        .reentrant();
  }
  explicit Shout(const trestle::Options& o) : column_(o.get<std::string>("column")), suffix_(o.get<std::string>("suffix")) {}
  trestle::Schema open(const trestle::Schema& in) override {
    in.require(column_, trestle::Type::Utf8);
    return in.with({column_ + "_length", trestle::Type::Int64, true});
  }
  trestle::Batch process(trestle::Batch in, trestle::Context&) override {
    const trestle::Column& c = in.column(column_);
    trestle::ColumnBuilder text(trestle::Type::Utf8, in.num_rows()), length(trestle::Type::Int64, in.num_rows());
    std::vector<std::string> words;  // an old-ABI std::string container on purpose
    for (int64_t r = 0; r < in.num_rows(); ++r) {
      if (c.is_null(r)) {
        text.append_null();
        length.append_null();
        continue;
      }
      std::string s(c.str(r));
      for (auto& ch : s) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
      s += suffix_;
      words.push_back(s);
      text.append_str(words.back());
      length.append_i64(static_cast<int64_t>(words.back().size()));
    }
    return in.with_column(column_, text.finish()).with_column(column_ + "_length", length.finish());
  }

 private:
  std::string column_, suffix_;
};

TRESTLE_PLUGIN("abi_probe", "1.0.0", Shout)
