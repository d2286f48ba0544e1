#pragma once
// What the neural-network model plugins (torchscript, onnx) share around their one
// framework call: the pipeline signature from the signature file, open()'s checks, the
// feature matrix with the rows that cannot be scored rejected, the check of the output
// tensor's shape and the output columns (every output float64, plus the int64 label of
// classifiers).
//
//   TensorModel m(read_signature(path), threshold, label_output);
//   Schema out = m.open(input);                       // in the operator's open()
//   Features f = m.gather(batch, ctx, TensorType::Float32);
//   std::vector<double> scores = run the framework on f (f.kept x inputs, row-major);
//   return m.emit(batch, f, scores, ctx);              // kept x outputs, row-major

#include <cstdint>
#include <string>
#include <vector>

#include <trestle/batch.hpp>
#include <trestle/context.hpp>
#include <trestle/operator.hpp>
#include <trestle/schema.hpp>

#include "model_signature.hpp"

namespace model_signature {

/// The rows of a batch that can be scored, as one row-major matrix.
struct Features {
  std::vector<float> f32;      // when gathered as float32
  std::vector<double> f64;     // when gathered as float64
  std::vector<int64_t> rows;   // the input row of each matrix row
  size_t width = 0;            // features per row
  size_t kept() const { return rows.size(); }
};

class TensorModel {
 public:
  /// Throws InvalidArgument for a threshold outside [0, 1], or (binary and multiclass
  /// tasks) a label column name that is empty or an input's or output's name.
  TensorModel(ModelSignature sig, double threshold, std::string label_output);

  const ModelSignature& sig() const { return sig_; }
  /// Inputs as the signature file types them; every output float64, then for binary
  /// and multiclass tasks the int64 label.
  trestle::Signature signature() const;
  bool has_label() const { return sig_.task != Task::Regression; }

  /// Checks the input schema — every input by name and type, no column the model would
  /// write — and returns the output schema. Throws InvalidArgument naming the column.
  trestle::Schema open(const trestle::Schema& input);

  /// The features of every row whose features are all finite, as `as`. A row with a
  /// null, NaN or infinite feature (or, as float32, one beyond float32's range) is
  /// rejected through ctx naming its first such feature, and left out.
  Features gather(const trestle::Batch& input, const trestle::Context& ctx, TensorType as) const;

  /// "" when an output tensor of `shape` fits `rows` rows of this signature: [rows,
  /// outputs], or [rows] with one output (or [] for one row and one output); else what
  /// is wrong, e.g. `returns a [5 x 2] tensor for 5 rows, but signature file "s" lists
  /// 1 output (p): expected [5 x 1] or [5]`.
  std::string check_output_shape(const std::vector<int64_t>& shape, int64_t rows) const;

  /// The output batch: the input rows of `f` in order, then the output columns from
  /// `scores` (f.kept() x outputs, row-major) and the label. A row whose outputs are not
  /// all finite is rejected (naming the output) and left out. Counts "predictions".
  trestle::Batch emit(const trestle::Batch& input, const Features& f, const std::vector<double>& scores,
                      const trestle::Context& ctx) const;

  /// A zero feature matrix of `rows` rows, for warm-up and shape checks at open.
  template <typename T>
  std::vector<T> zeros(size_t rows) const {
    return std::vector<T>(rows * sig_.inputs.size(), T(0));
  }

 private:
  ModelSignature sig_;
  double threshold_;
  std::string label_;
  std::vector<size_t> index_;  // input column of each feature, set by open()
  trestle::Schema out_;
};

/// "[5 x 2]".
std::string shape_text(const std::vector<int64_t>& shape);

}  // namespace model_signature
