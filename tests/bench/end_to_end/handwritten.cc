// The hand-written baseline of the end-to-end benchmark (tests/bench/end_to_end, see
// docs/benchmarks.md "End to end"): what pipeline.yaml does, written as one
// single-purpose, single-threaded program.
//
//   end_to_end_handwritten MODEL PARAMS_JSON INPUT_CSV OUTPUT_CSV
//
// It reads generate.py's CSV (a header, then id, tenure_months, monthly_charges,
// total_charges, contract, payment_method, internet_service, support_calls, senior; no
// quoted fields), fills empty total_charges with the median from PARAMS_JSON, standardises
// the four numbers with its mean and std, one-hot encodes the three categories (an
// unknown value sets <column>=__unknown__, a null sets nothing), scores blocks of rows
// with XGBoosterPredictFromDense on one thread and writes id,score,label. As in Trestle's
// csv_source, "", "NA" and "null" are nulls; a null number is XGBoost's missing value
// (except total_charges, which is filled). Scores are written as the shortest text that
// reads back to the same float32. A line it cannot parse ends the program.
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <xgboost/c_api.h>

namespace {

constexpr std::string_view kHeader =
    "id,tenure_months,monthly_charges,total_charges,contract,payment_method,internet_service,support_calls,senior";
constexpr size_t kFields = 9;
constexpr size_t kBlockRows = 8192;
constexpr size_t kReadBytes = 1 << 20;

const std::vector<std::string_view> kContracts = {"month-to-month", "one-year", "two-year"};
const std::vector<std::string_view> kPayments = {"electronic_check", "mailed_check", "bank_transfer", "credit_card"};
const std::vector<std::string_view> kInternet = {"dsl", "fiber", "none"};

// The model's features in its column order: 4 numbers, senior, then each category
// column's categories and its __unknown__ bucket (checked against the model at start).
std::vector<std::string> feature_names() {
  std::vector<std::string> f = {"tenure_months", "monthly_charges", "total_charges", "support_calls", "senior"};
  auto add = [&](const char* column, const std::vector<std::string_view>& cats) {
    for (auto c : cats) f.push_back(std::string(column) + "=" + std::string(c));
    f.push_back(std::string(column) + "=__unknown__");
  };
  add("contract", kContracts);
  add("payment_method", kPayments);
  add("internet_service", kInternet);
  return f;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "end_to_end_handwritten: %s\n", what.c_str());
  std::exit(1);
}

void xgb_check(int rc, const char* call) {
  if (rc != 0) die(std::string(call) + ": " + XGBGetLastError());
}

bool is_null(std::string_view v) { return v.empty() || v == "NA" || v == "null"; }

// (x - mean) / std, and the median that fills a null.
struct Standard {
  double mean, sd, median;
};

Standard read_standard(const nlohmann::json& params, const char* column) {
  const auto& p = params.at(column);
  return {p.at("mean").get<double>(), p.at("std").get<double>(), p.at("median").get<double>()};
}

template <typename T>
T parse_number(std::string_view v, size_t line, const char* column) {
  T x{};
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size())
    die("line " + std::to_string(line) + ": " + column + " \"" + std::string(v) + "\" is not a number");
  return x;
}

// Writes the one-hot block of a category column at out[0 .. cats.size()] (the last is
// __unknown__); a null leaves all of them 0.
void one_hot(std::string_view v, const std::vector<std::string_view>& cats, float* out) {
  for (size_t k = 0; k <= cats.size(); ++k) out[k] = 0.0f;
  if (is_null(v)) return;
  for (size_t k = 0; k < cats.size(); ++k) {
    if (v == cats[k]) {
      out[k] = 1.0f;
      return;
    }
  }
  out[cats.size()] = 1.0f;
}

class Scorer {
 public:
  Scorer(const char* model, const nlohmann::json& params, std::FILE* out)
      : tenure_(read_standard(params, "tenure_months")),
        monthly_(read_standard(params, "monthly_charges")),
        total_(read_standard(params, "total_charges")),
        calls_(read_standard(params, "support_calls")),
        width_(feature_names().size()),
        out_(out) {
    xgb_check(XGBoosterCreate(nullptr, 0, &booster_), "XGBoosterCreate");
    xgb_check(XGBoosterLoadModel(booster_, model), "XGBoosterLoadModel");
    xgb_check(XGBoosterSetParam(booster_, "nthread", "1"), "XGBoosterSetParam");
    bst_ulong n = 0;
    const char** names = nullptr;
    xgb_check(XGBoosterGetStrFeatureInfo(booster_, "feature_name", &n, &names), "XGBoosterGetStrFeatureInfo");
    const auto expected = feature_names();
    if (n != expected.size()) die("the model has " + std::to_string(n) + " features, expected " + std::to_string(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i)
      if (expected[i] != names[i]) die("model feature " + std::to_string(i) + " is " + names[i] + ", expected " + expected[i]);
    matrix_.reserve(kBlockRows * width_);
    text_.reserve(kBlockRows * 40);
  }
  ~Scorer() { XGBoosterFree(booster_); }
  Scorer(const Scorer&) = delete;
  Scorer& operator=(const Scorer&) = delete;

  void row(std::string_view line, size_t line_no) {
    std::array<std::string_view, kFields> f;
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ',') {
        if (n == kFields) die("line " + std::to_string(line_no) + " has more than " + std::to_string(kFields) + " fields");
        f[n++] = line.substr(start, i - start);
        start = i + 1;
      }
    }
    if (n != kFields) die("line " + std::to_string(line_no) + " has " + std::to_string(n) + " fields, not " + std::to_string(kFields));

    const size_t at = matrix_.size();
    matrix_.resize(at + width_);
    float* x = matrix_.data() + at;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // Scaled in double, as the scale operator does; XGBoost gets float32.
    auto scale = [](double v, const Standard& s) { return static_cast<float>((v - s.mean) / s.sd); };
    x[0] = is_null(f[1]) ? nan : scale(static_cast<double>(parse_number<int64_t>(f[1], line_no, "tenure_months")), tenure_);
    x[1] = is_null(f[2]) ? nan : scale(parse_number<double>(f[2], line_no, "monthly_charges"), monthly_);
    x[2] = scale(is_null(f[3]) ? total_.median : parse_number<double>(f[3], line_no, "total_charges"), total_);
    x[3] = is_null(f[7]) ? nan : scale(static_cast<double>(parse_number<int64_t>(f[7], line_no, "support_calls")), calls_);
    if (is_null(f[8])) x[4] = nan;
    else if (f[8] == "true") x[4] = 1.0f;
    else if (f[8] == "false") x[4] = 0.0f;
    else die("line " + std::to_string(line_no) + ": senior \"" + std::string(f[8]) + "\" is not true or false");
    one_hot(f[4], kContracts, x + 5);
    one_hot(f[5], kPayments, x + 5 + kContracts.size() + 1);
    one_hot(f[6], kInternet, x + 5 + kContracts.size() + 1 + kPayments.size() + 1);

    ids_.append(f[0]);
    id_ends_.push_back(ids_.size());
    if (id_ends_.size() == kBlockRows) flush();
  }

  // Scores the rows held and writes them.
  void flush() {
    const size_t rows = id_ends_.size();
    if (rows == 0) return;
    char array[160];
    std::snprintf(array, sizeof array, R"({"data":[%llu,true],"shape":[%zu,%zu],"typestr":"<f4","version":3})",
                  static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(matrix_.data())), rows, width_);
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* score = nullptr;
    xgb_check(XGBoosterPredictFromDense(booster_, array, kPredictConfig, nullptr, &shape, &dim, &score),
              "XGBoosterPredictFromDense");
    if (dim < 1 || shape[0] != rows) die("XGBoost returned an unexpected shape");

    text_.clear();
    size_t begin = 0;
    char buf[32];
    for (size_t r = 0; r < rows; ++r) {
      text_.append(ids_, begin, id_ends_[r] - begin);
      begin = id_ends_[r];
      text_ += ',';
      auto res = std::to_chars(buf, buf + sizeof buf, score[r]);
      text_.append(buf, res.ptr);
      text_ += score[r] >= 0.5f ? ",1\n" : ",0\n";
    }
    if (std::fwrite(text_.data(), 1, text_.size(), out_) != text_.size()) die("cannot write the output");
    matrix_.clear();
    ids_.clear();
    id_ends_.clear();
  }

 private:
  static constexpr const char* kPredictConfig =
      R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})";
  BoosterHandle booster_ = nullptr;
  Standard tenure_, monthly_, total_, calls_;
  size_t width_;
  std::FILE* out_;
  std::vector<float> matrix_;       // rows of the current block, row-major
  std::string ids_;                 // their ids, back to back
  std::vector<size_t> id_ends_;     // where each id ends in ids_
  std::string text_;                // the block's output lines
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL PARAMS_JSON INPUT_CSV OUTPUT_CSV\n", argv[0]);
    return 2;
  }
  nlohmann::json params;
  {
    std::ifstream in(argv[2]);
    if (!in) die(std::string("cannot open ") + argv[2]);
    params = nlohmann::json::parse(in);
  }
  std::FILE* in = std::fopen(argv[3], "rb");
  if (in == nullptr) die(std::string("cannot open ") + argv[3]);
  std::FILE* out = std::fopen(argv[4], "wb");
  if (out == nullptr) die(std::string("cannot create ") + argv[4]);
  std::fputs("id,score,label\n", out);

  Scorer scorer(argv[1], params, out);
  // Reads the file in large blocks; a line cut by a block's end waits in `carry`.
  std::vector<char> block(kReadBytes);
  std::string carry;
  size_t line_no = 0;
  auto line = [&](std::string_view l) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (++line_no == 1) {
      if (l != kHeader) die("the header is not " + std::string(kHeader));
      return;
    }
    if (!l.empty()) scorer.row(l, line_no);
  };
  for (;;) {
    const size_t got = std::fread(block.data(), 1, block.size(), in);
    if (got == 0) break;
    std::string_view data(block.data(), got);
    size_t start = 0;
    for (size_t nl = data.find('\n'); nl != std::string_view::npos; nl = data.find('\n', start)) {
      if (carry.empty()) {
        line(data.substr(start, nl - start));
      } else {
        carry.append(data.substr(start, nl - start));
        line(carry);
        carry.clear();
      }
      start = nl + 1;
    }
    carry.append(data.substr(start));
  }
  if (std::ferror(in)) die(std::string("cannot read ") + argv[3]);
  if (!carry.empty()) line(carry);
  if (line_no == 0) die("the input is empty");
  scorer.flush();
  std::fclose(in);
  if (std::fclose(out) != 0) die(std::string("cannot write ") + argv[4]);
  return 0;
}
