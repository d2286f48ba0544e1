#include "store/run_store.h"

namespace trestle::core {

namespace {

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

Result<int64_t> ParseIsoTimeMicros(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("\"" + text + "\" is not an ISO-8601 date or time (" + why +
                           "); e.g. 2026-11-25, 2026-11-25T06:19, 2026-11-25T06:19:07Z, 2026-11-25T08:19+02:00");
  };
  size_t i = 0;
  auto digits = [&](size_t n, int64_t& v) {
    if (i + n > text.size()) return false;
    v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = text[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    return true;
  };
  auto expect = [&](char c) {
    if (i < text.size() && text[i] == c) return ++i, true;
    return false;
  };
  int64_t y, mo, d, h = 0, mi = 0, s = 0, micros = 0;
  if (!digits(4, y) || !expect('-') || !digits(2, mo) || !expect('-') || !digits(2, d)) return bad("date");
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return bad("month or day out of range");
  const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return bad("no such day");
  if (i < text.size() && (text[i] == 'T' || text[i] == 't' || text[i] == ' ')) {
    ++i;
    if (!digits(2, h) || !expect(':') || !digits(2, mi)) return bad("time");
    if (expect(':')) {
      if (!digits(2, s)) return bad("seconds");
      if (expect('.') || expect(',')) {
        int64_t scale = 100000;
        size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
          micros += (text[i] - '0') * scale;
          scale /= 10;
          ++i;
        }
        if (i == start) return bad("fraction");
      }
    }
    if (h > 23 || mi > 59 || s > 60) return bad("time out of range");
  }
  int64_t offset_s = 0;
  if (i < text.size()) {
    if (text[i] == 'Z' || text[i] == 'z') {
      ++i;
    } else if (text[i] == '+' || text[i] == '-') {
      int sign = text[i] == '-' ? -1 : 1;
      ++i;
      int64_t oh, om = 0;
      if (!digits(2, oh)) return bad("zone offset");
      if (expect(':')) {
        if (!digits(2, om)) return bad("zone offset");
      } else if (i < text.size()) {
        if (!digits(2, om)) return bad("zone offset");
      }
      if (oh > 23 || om > 59) return bad("zone offset out of range");
      offset_s = sign * (oh * 3600 + om * 60);
    }
  }
  if (i != text.size()) return bad("unexpected \"" + text.substr(i) + "\"");
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
  return secs * 1000000 + micros;
}

}  // namespace trestle::core
