#include "stdout_sink.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace trestle_io {

trestle::OperatorSpec StdoutSink::spec() {
  return trestle::OperatorSpec("stdout_sink",
                               "Prints rows to standard output as CSV with a header line, or as JSONL.")
      .param<std::string>("format", "csv or jsonl", std::string("csv"))
      .one_of({"csv", "jsonl"})
      .param<int64_t>("max_rows", "print at most this many rows in all; 0 prints every row", int64_t{0})
      .min(0)
      .input_doc("any columns")
      .ordered_input()
      .serial();
}

StdoutSink::StdoutSink(const trestle::Options& o) : max_rows_(o.get_or<int64_t>("max_rows", 0)) {
  std::string f = o.get_or<std::string>("format", "csv");
  if (f != "csv" && f != "jsonl")
    throw trestle::InvalidArgument("option \"format\" must be csv or jsonl, got \"" + f + "\"");
  jsonl_ = f == "jsonl";
  if (max_rows_ < 0) throw trestle::InvalidArgument("option \"max_rows\" must not be negative");
}

void StdoutSink::open(const trestle::Schema& input) { schema_ = input; }

void StdoutSink::write(const trestle::Batch& batch, trestle::Context& ctx) {
  int64_t n = batch.num_rows();
  if (max_rows_ > 0) n = std::min(n, max_rows_ - printed_);
  if (n <= 0 && header_done_) return;
  buf_.clear();
  if (!jsonl_ && !header_done_) append_csv_header(buf_, schema_, format_.delimiter);
  n = std::max<int64_t>(n, 0);
  trestle_support::JsonStats stats;
  if (jsonl_) append_jsonl_rows(buf_, batch, 0, n, &stats);
  else append_csv_rows(buf_, batch, format_, 0, n);
  emit();
  header_done_ = true;
  printed_ += n;
  if (stats.non_finite > 0) ctx.count("non_finite_as_null", static_cast<double>(stats.non_finite));
}

void StdoutSink::emit() {
  if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size())
    throw trestle::Unavailable(std::string("writing to stdout failed: ") + std::strerror(errno));
  buf_.clear();
  if (std::fflush(stdout) != 0)
    throw trestle::Unavailable(std::string("flushing stdout failed: ") + std::strerror(errno));
}

void StdoutSink::commit(bool, trestle::Context&) { std::fflush(stdout); }

void StdoutSink::close(trestle::Context&) { std::fflush(stdout); }

}  // namespace trestle_io
