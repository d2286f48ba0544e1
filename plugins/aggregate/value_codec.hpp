#pragma once
// Order-preserving byte encoding of column values, so that group keys (and min/max
// states, and count_distinct values) hash, compare and sort as plain byte strings:
// std::string_view comparison of two encodings orders them as the values.
//
// One value: 0x00 for null (so nulls sort first), else 0x01 and a payload:
//   bool                 one byte 0 or 1
//   int32, int64, ts     big-endian with the sign bit flipped
//   float32, float64     big-endian IEEE bits, all bits flipped for negatives and the
//                        sign bit flipped for the rest; -0.0 is encoded as 0.0 and every
//                        NaN as one canonical NaN, which sorts above +inf
//   utf8                 the bytes, 0x00 escaped as 0x00 0xFF, ended by 0x00 0x00
//                        (byte order, i.e. code point order for valid UTF-8)
// A key is the encodings of its columns one after the other; every encoding is
// self-delimiting given the column type, so a key decodes back column by column.

#include <string>
#include <string_view>

#include <trestle/column.hpp>

namespace trestle_aggregate {

/// Appends the encoding of row `row` of `c` (null included) to `out`.
void encode_value(const trestle::Column& c, int64_t row, std::string& out);

/// Decodes one value of type `t` from the front of `in` (advancing it) and appends it
/// to `b` (a builder of type `t`). Throws trestle::Internal on a malformed encoding.
void decode_value(std::string_view& in, trestle::Type t, trestle::ColumnBuilder& b);

}  // namespace trestle_aggregate
