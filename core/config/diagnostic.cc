#include "config/diagnostic.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "config/field_path.h"

namespace trestle::core {
namespace {

// `nodes[2] "score" .options.model`: the node's name goes right after its index.
std::string FormatWhere(const Diagnostic& d) {
  if (d.node.empty()) return d.path;
  std::string quoted = Quote(d.node);
  if (d.path.empty()) return quoted;
  size_t close = d.path.find(']');
  if (d.path.rfind("nodes[", 0) != 0 || close == std::string::npos) {
    return quoted + " " + d.path;
  }
  std::string out = d.path.substr(0, close + 1);
  out.append(" ").append(quoted);
  if (close + 1 < d.path.size()) out.append(" ").append(d.path, close + 1);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: Levenshtein plus transposition of two adjacent
// characters, the commonest typing slip.
size_t EditDistance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) {
    out.append(":").append(std::to_string(d.line));
    if (d.column > 0) out.append(":").append(std::to_string(d.column));
  }
  std::string where = FormatWhere(d);
  if (!where.empty()) {
    if (!out.empty()) out += ": ";
    out += where;
  }
  if (!out.empty()) out += ": ";
  out += d.message;
  return out;
}

bool Diagnostics::Mentions(std::string_view path) const {
  return std::any_of(list_.begin(), list_.end(),
                     [&](const Diagnostic& d) { return PathIsUnder(d.path, path); });
}

void Diagnostics::SortByLocation(size_t from) {
  if (from >= list_.size()) return;
  std::stable_sort(list_.begin() + static_cast<std::ptrdiff_t>(from), list_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.line != b.line) return a.line < b.line;
                     return a.column < b.column;
                   });
}

std::string Diagnostics::ToString() const {
  std::string out;
  for (const auto& d : list_) out += FormatDiagnostic(d) + "\n";
  return out;
}

Status Diagnostics::ToStatus(size_t from) const {
  if (from >= list_.size()) return Status::Ok();
  std::string message = FormatDiagnostic(list_[from]);
  size_t more = list_.size() - from - 1;
  if (more > 0) message += " (and " + std::to_string(more) + " more)";
  return InvalidArgument(std::move(message));
}

std::vector<std::string> SuggestNames(std::string_view wrong,
                                      const std::vector<std::string>& candidates) {
  const std::string key = Lower(wrong);
  const size_t limit = std::max<size_t>(1, wrong.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    if (c == wrong) continue;
    bool seen =
        std::any_of(scored.begin(), scored.end(), [&](const auto& s) { return s.second == c; });
    if (seen) continue;
    size_t distance = EditDistance(key, Lower(c));
    if (distance <= limit) scored.emplace_back(distance, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(scored.size());
  for (auto& s : scored) out.push_back(std::move(s.second));
  return out;
}

std::string DidYouMean(std::string_view wrong, const std::vector<std::string>& candidates) {
  auto names = SuggestNames(wrong, candidates);
  if (names.empty()) return {};
  return " (did you mean " + Quote(names.front()) + "?)";
}

std::string Quote(std::string_view text, size_t max_chars) {
  std::string out = "\"";
  size_t n = 0;
  for (char c : text) {
    // Cut only before a UTF-8 lead byte so that no character is split.
    bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
    if (n >= max_chars && !continuation) {
      out += "...";
      break;
    }
    ++n;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace trestle::core
