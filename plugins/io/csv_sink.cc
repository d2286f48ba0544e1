#include "csv_sink.h"

namespace trestle_io {

trestle::OperatorSpec CsvSink::spec() {
  return trestle::OperatorSpec("csv_sink",
                               "Writes rows to an RFC 4180 CSV file. Output goes to <path>.tmp-<pid> and is "
                               "renamed over path once every sink of a successful run has committed; a failed run "
                               "leaves no file at path (mode: stream writes in place instead).")
      .param<std::string>("path", "CSV file to write (parent directories are created)").required().output_path()
      .param<std::string>("mode",
                          "atomic: write <path>.tmp-<pid> and rename it over path when the run succeeds (path must be "
                          "absent or a regular file); stream: write into path itself as rows come (a FIFO, a device, a "
                          "file another program follows), nothing atomic",
                          std::string("atomic"))
      .one_of({"atomic", "stream"})
      .param<std::string>("delimiter", "field separator: one character (\"\\t\" for tab)", std::string(","))
      .param<bool>("header", "write the column names as the first line", true)
      .param<int64_t>("float_precision",
                      "significant digits of floats, as %.{p}g (float32 values: at most 9). When absent, each "
                      "float is the shortest text that reads back to the same value in its column's type "
                      "(a float32 0.1 is written 0.1, not 0.100000001)")
      .range(1, 17)
      .input_doc("any columns")
      .ordered_input()
      .serial();
}

CsvSink::CsvSink(const trestle::Options& o)
    : header_(o.get_or<bool>("header", true)),
      file_(o.get<std::string>("path"), trestle_support::parse_write_mode(o.get_or<std::string>("mode", "atomic"))) {
  if (file_.path().empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  std::string d = o.get_or<std::string>("delimiter", ",");
  if (d == "\\t") d = "\t";
  if (d.size() != 1) throw trestle::InvalidArgument("option \"delimiter\" must be one character, got \"" + d + "\"");
  if (d[0] == '"' || d[0] == '\r' || d[0] == '\n')
    throw trestle::InvalidArgument("option \"delimiter\" cannot be a quote or a line break");
  format_.delimiter = d[0];
  if (o.has("float_precision")) {
    const int64_t p = o.get<int64_t>("float_precision");
    if (p < 1 || p > 17)
      throw trestle::InvalidArgument("option \"float_precision\" must be in [1, 17], got " + std::to_string(p));
    format_.float_precision = static_cast<int>(p);
  }
}

void CsvSink::open(const trestle::Schema& input) {
  schema_ = input;
  file_.check_writable("option \"path\"");
}

void CsvSink::ensure_created() {
  if (file_.created()) return;
  file_.create();
  if (header_) append_csv_header(file_.buffer(), schema_, format_.delimiter);
}

void CsvSink::write(const trestle::Batch& batch, trestle::Context&) {
  if (file_.published()) throw trestle::Internal("csv_sink: write() after the final commit");
  ensure_created();
  // Flush what earlier batches left before adding this one: if the flush fails the
  // host may retry this write, and the batch must not be in the buffer twice.
  file_.flush_if_full();
  append_csv_rows(file_.buffer(), batch, format_, 0, batch.num_rows());
}

void CsvSink::commit(bool final_commit, trestle::Context&) {
  if (file_.published()) return;
  ensure_created();
  if (final_commit) file_.prepare();
  else file_.sync();
}

void CsvSink::publish(trestle::Context&) { file_.publish(); }

void CsvSink::close(trestle::Context&) { file_.discard(); }

}  // namespace trestle_io
