#pragma once
// What the reader fuzzers (csv_fuzz, jsonl_fuzz) share: failing loudly, the input as an
// in-memory file, and reading it through an operator into a comparable Outcome.
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>
#include <trestle/testing.hpp>

#include "schema_option.h"

namespace reader_fuzz {

using trestle::Options;
using trestle::Type;

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::abort();
}

// The input's file bytes in an anonymous in-memory file, opened by path like any file.
class MemFile {
 public:
  MemFile(const uint8_t* data, size_t size) {
    fd_ = ::memfd_create("reader_fuzz", MFD_CLOEXEC);
    if (fd_ < 0) fail("memfd_create failed");
    for (size_t done = 0; done < size;) {
      ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) fail("writing the memfd failed");
      done += static_cast<size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// One value as text that tells every value apart (floats by their bits, so NaN == NaN).
inline void dump_value(const trestle::Column& c, int64_t r, std::string* out) {
  if (c.is_null(r)) {
    *out += "~,";
    return;
  }
  switch (c.type()) {
    case Type::Bool: *out += c.bool_at(r) ? "t" : "f"; break;
    case Type::Int32: *out += std::to_string(c.i32(r)); break;
    case Type::Int64:
    case Type::TimestampUs: *out += std::to_string(c.i64(r)); break;
    case Type::Float32: {
      float f = c.f32(r);
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof bits);
      *out += "f" + std::to_string(bits);
      break;
    }
    case Type::Float64: {
      double d = c.f64(r);
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      *out += "d" + std::to_string(bits);
      break;
    }
    case Type::Utf8: {
      std::string_view s = c.str(r);
      *out += std::to_string(s.size()) + ":";
      out->append(s);
      break;
    }
  }
  *out += ",";
}

struct Outcome {
  bool opened = false;
  trestle::Schema schema;
  std::map<std::string, std::string> columns;  // name -> every value, dumped
  int64_t rows = 0;
  std::vector<trestle::testing::Recorded::Record> rejected;
  std::map<std::string, double> counters;
};

// The suffix a reason has when the column's type was inferred, not declared.
inline const std::string& inference_hint() {
  static const std::string hint = trestle_io::misfit_reason("c", "v", Type::Int64, true)
                                      .substr(trestle_io::misfit_reason("c", "v", Type::Int64, false).size());
  return hint;
}

inline std::string without_hint(const std::string& reason) {
  const std::string& h = inference_hint();
  if (reason.size() >= h.size() && reason.compare(reason.size() - h.size(), h.size(), h) == 0)
    return reason.substr(0, reason.size() - h.size());
  return reason;
}

// Reads the whole input with `Source` (at most `max_rows` per batch), checking what every
// reader operator promises: open() fails only with INVALID_ARGUMENT, next() never fails
// and returns batches of 1..max_rows rows.
template <class Source>
Outcome run(const Options& options, int64_t max_rows) {
  Outcome out;
  trestle::testing::Harness<Source> h(options);
  try {
    out.schema = h.open();
  } catch (const trestle::Error& e) {
    if (e.code() != TRESTLE_INVALID_ARGUMENT)
      fail("open() failed with code " + std::to_string(e.code()) + ": " + e.what());
    return out;
  }
  out.opened = true;
  while (std::optional<trestle::Batch> b = h.next(max_rows)) {
    if (b->num_rows() <= 0 || b->num_rows() > max_rows) fail("a batch of " + std::to_string(b->num_rows()) + " rows");
    out.rows += b->num_rows();
    for (size_t c = 0; c < out.schema.size(); ++c) {
      const trestle::Column& col = b->column(out.schema.field(c).name);
      std::string& d = out.columns[out.schema.field(c).name];
      for (int64_t r = 0; r < col.size(); ++r) dump_value(col, r, &d);
    }
  }
  h.close();
  out.rejected = h.recorded().rejected_records;
  out.counters = h.recorded().counters;
  return out;
}

}  // namespace reader_fuzz
