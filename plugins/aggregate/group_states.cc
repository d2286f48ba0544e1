#include "group_states.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string_view>

#include <trestle/error.hpp>

#include "value_codec.hpp"

namespace trestle_aggregate {
namespace {

using trestle_support::QuantileSketch;

void put_gid(std::string& s, uint32_t g) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>(g >> shift));
}

template <typename T>
size_t capacity_bytes(const std::vector<T>& v) {
  return malloc_chunk(v.capacity() * sizeof(T));
}

template <typename T>
size_t growth(const std::vector<T>& v, bool used) {
  if (!used || v.size() < v.capacity()) return 0;
  // The old and the new block both live while the vector moves.
  return malloc_chunk(std::max<size_t>(1, 2 * v.capacity()) * sizeof(T)) + malloc_chunk(v.capacity() * sizeof(T));
}

void write_store(RunWriter& w, const QuantileSketch::Store& s) {
  w.svarint(s.offset);
  w.u8(s.collapsed ? 1 : 0);
  w.varint(s.counts.size());
  for (int64_t c : s.counts) w.varint(static_cast<uint64_t>(c));
}

QuantileSketch::Store read_store(RunReader& r) {
  QuantileSketch::Store s;
  const int64_t offset = r.svarint();
  if (offset < INT32_MIN || offset > INT32_MAX)
    throw trestle::Internal("group_aggregate: spill file \"" + r.path() + "\" holds a sketch key out of range");
  s.offset = static_cast<int32_t>(offset);
  s.collapsed = r.u8() != 0;
  s.counts.resize(r.varint());
  for (auto& c : s.counts) c = static_cast<int64_t>(r.varint());
  return s;
}

}  // namespace

GroupStates::GroupStates(const std::vector<AccDecl>& accs, double relative_accuracy) : proto_(relative_accuracy) {
  for (const auto& d : accs) {
    Acc a;
    a.decl = d;
    accs_.push_back(std::move(a));
  }
}

uint32_t GroupStates::add_group() {
  for (auto& a : accs_) {
    a.n.push_back(0);
    switch (a.decl.kind) {
      case AccKind::Rows:
      case AccKind::NonNull:
      case AccKind::Distinct: break;
      case AccKind::Sum: a.sums.emplace_back(); break;
      case AccKind::Min:
      case AccKind::Max: a.ext.emplace_back(); break;
      case AccKind::Sketch: a.sketches.push_back(proto_); break;
      case AccKind::Above: a.above.push_back(0); break;
    }
  }
  return static_cast<uint32_t>(groups_++);
}

void GroupStates::merge_sum(Acc& a, uint32_t g, const ExactSum& s) {
  ExactSum& t = a.sums[g];
  const size_t before = t.heap_capacity();
  t.merge(s);
  if (t.heap_capacity() != before) heap_ += malloc_chunk(t.heap_capacity()) - malloc_chunk(before);
}

void GroupStates::set_extreme(Acc& a, uint32_t g, const std::string& v) {
  std::string& e = a.ext[g];
  if (!e.empty() && (a.decl.kind == AccKind::Min ? !(v < e) : !(v > e))) return;
  const size_t before = string_heap(e);
  e.assign(v);
  heap_ += string_heap(e) - before;
}

void GroupStates::add_distinct(Acc& a, uint32_t g, std::string&& entry) {
  auto [it, inserted] = a.distinct.insert(std::move(entry));
  if (!inserted) return;
  ++a.n[g];
  heap_ += kDistinctEntryBytes + string_heap(*it);
}

void GroupStates::update(const trestle::Batch& batch, const uint32_t* gids, int64_t begin, int64_t end) {
  for (auto& a : accs_) {
    if (a.decl.kind == AccKind::Rows) {
      for (int64_t r = begin; r < end; ++r) ++a.n[gids[r - begin]];
      continue;
    }
    const trestle::Column& c = batch.column(static_cast<size_t>(a.decl.index));
    switch (a.decl.kind) {
      case AccKind::Rows: break;
      case AccKind::NonNull:
        for (int64_t r = begin; r < end; ++r)
          if (c.is_valid(r)) ++a.n[gids[r - begin]];
        break;
      case AccKind::Sum:
        for (int64_t r = begin; r < end; ++r) {
          if (c.is_null(r)) continue;
          const uint32_t g = gids[r - begin];
          ExactSum& s = a.sums[g];
          const size_t before = s.heap_capacity();
          s.add(c.as_double(r));
          if (s.heap_capacity() != before) heap_ += malloc_chunk(s.heap_capacity()) - malloc_chunk(before);
          ++a.n[g];
        }
        break;
      case AccKind::Min:
      case AccKind::Max:
        for (int64_t r = begin; r < end; ++r) {
          if (c.is_null(r)) continue;
          scratch_.clear();
          encode_value(c, r, scratch_);
          set_extreme(a, gids[r - begin], scratch_);
        }
        break;
      case AccKind::Distinct:
        for (int64_t r = begin; r < end; ++r) {
          if (c.is_null(r)) continue;
          const uint32_t g = gids[r - begin];
          std::string entry;
          put_gid(entry, g);
          encode_value(c, r, entry);
          add_distinct(a, g, std::move(entry));
        }
        break;
      case AccKind::Sketch:
        for (int64_t r = begin; r < end; ++r) {
          if (c.is_null(r)) continue;
          const double v = c.as_double(r);
          if (!std::isfinite(v)) continue;
          QuantileSketch& s = a.sketches[gids[r - begin]];
          const size_t before = sketch_heap(s);
          s.add(v);
          heap_ += sketch_heap(s) - before;
        }
        break;
      case AccKind::Above:
        for (int64_t r = begin; r < end; ++r) {
          if (c.is_null(r)) continue;
          const uint32_t g = gids[r - begin];
          ++a.n[g];
          if (c.as_double(r) > a.decl.threshold) ++a.above[g];
        }
        break;
    }
  }
}

void GroupStates::prepare_write() {
  for (auto& a : accs_) {
    if (a.decl.kind != AccKind::Distinct) continue;
    a.distinct_sorted.clear();
    a.distinct_sorted.reserve(a.distinct.size());
    for (const auto& e : a.distinct) a.distinct_sorted.push_back(&e);
    // The group id prefix makes this order group by group, values ascending.
    std::sort(a.distinct_sorted.begin(), a.distinct_sorted.end(),
              [](const std::string* x, const std::string* y) { return *x < *y; });
    a.distinct_start.assign(groups_ + 1, 0);
    for (size_t g = 0; g < groups_; ++g) a.distinct_start[g + 1] = a.distinct_start[g] + static_cast<size_t>(a.n[g]);
  }
}

void GroupStates::write(uint32_t g, RunWriter& w) const {
  for (const auto& a : accs_) {
    switch (a.decl.kind) {
      case AccKind::Rows:
      case AccKind::NonNull: w.varint(static_cast<uint64_t>(a.n[g])); break;
      case AccKind::Sum: {
        const ExactSum& s = a.sums[g];
        w.varint(static_cast<uint64_t>(a.n[g]));
        w.u8(s.special());
        w.varint(s.partials().size());
        for (double p : s.partials()) w.f64(p);
        break;
      }
      case AccKind::Min:
      case AccKind::Max: w.bytes(a.ext[g]); break;
      case AccKind::Distinct: {
        w.varint(static_cast<uint64_t>(a.n[g]));
        for (size_t i = a.distinct_start[g]; i < a.distinct_start[g + 1]; ++i)
          w.bytes(std::string_view(*a.distinct_sorted[i]).substr(4));
        break;
      }
      case AccKind::Sketch: {
        const QuantileSketch& s = a.sketches[g];
        w.varint(static_cast<uint64_t>(s.zero_count()));
        write_store(w, s.positive());
        write_store(w, s.negative());
        break;
      }
      case AccKind::Above:
        w.varint(static_cast<uint64_t>(a.n[g]));
        w.varint(static_cast<uint64_t>(a.above[g]));
        break;
    }
  }
}

void GroupStates::read_merge(RunReader& r, uint32_t g) {
  for (auto& a : accs_) {
    switch (a.decl.kind) {
      case AccKind::Rows:
      case AccKind::NonNull: a.n[g] += static_cast<int64_t>(r.varint()); break;
      case AccKind::Sum: {
        a.n[g] += static_cast<int64_t>(r.varint());
        const uint8_t special = r.u8();
        std::vector<double> partials(r.varint());
        for (auto& p : partials) p = r.f64();
        merge_sum(a, g, ExactSum::from_parts(special, std::move(partials)));
        break;
      }
      case AccKind::Min:
      case AccKind::Max:
        r.bytes(scratch_);
        if (!scratch_.empty()) set_extreme(a, g, scratch_);
        break;
      case AccKind::Distinct: {
        const uint64_t count = r.varint();
        for (uint64_t i = 0; i < count; ++i) {
          r.bytes(scratch_);
          std::string entry;
          entry.reserve(4 + scratch_.size());
          put_gid(entry, g);
          entry += scratch_;
          add_distinct(a, g, std::move(entry));
        }
        break;
      }
      case AccKind::Sketch: {
        const auto zero = static_cast<int64_t>(r.varint());
        QuantileSketch::Store pos = read_store(r);
        QuantileSketch::Store neg = read_store(r);
        QuantileSketch part = QuantileSketch::from_parts(proto_.relative_accuracy(), proto_.max_buckets(), zero,
                                                         std::move(pos), std::move(neg));
        QuantileSketch& s = a.sketches[g];
        const size_t before = sketch_heap(s);
        s.merge(part);
        heap_ += sketch_heap(s) - before;
        break;
      }
      case AccKind::Above:
        a.n[g] += static_cast<int64_t>(r.varint());
        a.above[g] += static_cast<int64_t>(r.varint());
        break;
    }
  }
}

void GroupStates::emit(uint32_t g, const std::vector<OutputDecl>& outputs, std::vector<trestle::ColumnBuilder>& builders,
                       size_t first) const {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const OutputDecl& o = outputs[i];
    const Acc& a = accs_[o.acc];
    trestle::ColumnBuilder& b = builders[first + i];
    switch (o.fn) {
      case Fn::Count:
      case Fn::CountDistinct: b.append_i64(a.n[g]); break;
      case Fn::Sum: b.append_f64(a.sums[g].value()); break;
      case Fn::Mean:
        if (a.n[g] == 0) b.append_null();
        else b.append_f64(a.sums[g].value() / static_cast<double>(a.n[g]));
        break;
      case Fn::Min:
      case Fn::Max: {
        if (a.ext[g].empty()) {
          b.append_null();
          break;
        }
        std::string_view v = a.ext[g];
        decode_value(v, a.decl.type, b);
        break;
      }
      case Fn::Quantile:
        if (a.sketches[g].empty()) b.append_null();
        else b.append_f64(a.sketches[g].quantile(o.arg));
        break;
      case Fn::ShareAbove:
        if (a.n[g] == 0) b.append_null();
        else b.append_f64(static_cast<double>(a.above[g]) / static_cast<double>(a.n[g]));
        break;
    }
  }
}

void GroupStates::clear() {
  for (auto& a : accs_) {
    std::vector<int64_t>().swap(a.n);
    std::vector<int64_t>().swap(a.above);
    std::vector<ExactSum>().swap(a.sums);
    std::vector<std::string>().swap(a.ext);
    std::vector<QuantileSketch>().swap(a.sketches);
    std::unordered_set<std::string>().swap(a.distinct);
    std::vector<const std::string*>().swap(a.distinct_sorted);
    std::vector<size_t>().swap(a.distinct_start);
  }
  groups_ = 0;
  heap_ = 0;
}

void GroupStates::reset_to_one() {
  for (auto& a : accs_) {
    a.n.clear();
    a.above.clear();
    a.sums.clear();
    a.ext.clear();
    a.sketches.clear();
    // clear() walks every bucket: a set that grew for one large group is dropped instead.
    if (a.distinct.bucket_count() > 1024) std::unordered_set<std::string>().swap(a.distinct);
    else a.distinct.clear();
  }
  groups_ = 0;
  heap_ = 0;
  add_group();
}

size_t GroupStates::bytes() const {
  size_t b = heap_;
  for (const auto& a : accs_) {
    b += capacity_bytes(a.n) + capacity_bytes(a.above) + capacity_bytes(a.sums) + capacity_bytes(a.ext) +
         capacity_bytes(a.sketches);
    if (a.decl.kind == AccKind::Distinct)
      b += malloc_chunk(a.distinct.bucket_count() * sizeof(void*)) + malloc_chunk((groups_ + 1) * sizeof(size_t));
  }
  return b;
}

size_t GroupStates::growth_if_added() const {
  size_t b = 0;
  for (const auto& a : accs_) {
    const AccKind k = a.decl.kind;
    b += growth(a.n, true) + growth(a.above, k == AccKind::Above) + growth(a.sums, k == AccKind::Sum) +
         growth(a.ext, k == AccKind::Min || k == AccKind::Max) + growth(a.sketches, k == AccKind::Sketch);
    if (k == AccKind::Distinct) b += sizeof(size_t);
  }
  return b;
}

}  // namespace trestle_aggregate
