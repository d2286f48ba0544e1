#include "run_date.h"

#include <chrono>
#include <cstdio>

namespace trestle::cli {

namespace {

namespace chr = std::chrono;

chr::sys_days Days(const RunDate& d) {
  return chr::sys_days(chr::year(d.year) / chr::month(d.month) / chr::day(d.day));
}

RunDate FromDays(chr::sys_days days) {
  chr::year_month_day ymd(days);
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
}

bool Digits(const std::string& s, size_t from, size_t n) {
  for (size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace

std::string RunDate::Text() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year, month, day);
  return buf;
}

core::Result<RunDate> ParseRunDate(const std::string& text, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return core::Status(core::Code::kInvalidArgument, what + " \"" + text + "\": " + why);
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4) || !Digits(text, 5, 2) ||
      !Digits(text, 8, 2))
    return bad("not a date; write YYYY-MM-DD, e.g. 2026-12-01");
  RunDate d{std::stoi(text.substr(0, 4)), static_cast<unsigned>(std::stoi(text.substr(5, 2))),
            static_cast<unsigned>(std::stoi(text.substr(8, 2)))};
  // ..9998: the day after (RUN_DATE_NEXT) must be a date of four-digit year too.
  if (d.year < 1900 || d.year > 9998) return bad("the year must be in 1900..9998");
  if (!chr::year_month_day(chr::year(d.year) / chr::month(d.month) / chr::day(d.day)).ok())
    return bad("no such day in the calendar");
  return d;
}

std::map<std::string, std::string> RunDateVariables(const RunDate& date) {
  const std::string text = date.Text();
  return {{"RUN_DATE", text},
          {"RUN_DATE_NODASH", text.substr(0, 4) + text.substr(5, 2) + text.substr(8, 2)},
          {"RUN_DATE_PREV", FromDays(Days(date) - chr::days(1)).Text()},
          {"RUN_DATE_NEXT", FromDays(Days(date) + chr::days(1)).Text()},
          {"RUN_YEAR", text.substr(0, 4)},
          {"RUN_MONTH", text.substr(5, 2)},
          {"RUN_DAY", text.substr(8, 2)}};
}

core::Result<std::vector<RunDate>> DatesBetween(const RunDate& from, const RunDate& to, int max_days) {
  const auto a = Days(from), b = Days(to);
  if (b < a)
    return core::Status(core::Code::kInvalidArgument,
                        "--to " + to.Text() + " is before --from " + from.Text());
  const auto n = (b - a).count() + 1;
  if (n > max_days)
    return core::Status(core::Code::kInvalidArgument, "--from " + from.Text() + " --to " + to.Text() + " spans " +
                                                          std::to_string(n) + " days, more than " +
                                                          std::to_string(max_days) + " in one backfill");
  std::vector<RunDate> out;
  for (auto d = a; d <= b; d += chr::days(1)) out.push_back(FromDays(d));
  return out;
}

}  // namespace trestle::cli
