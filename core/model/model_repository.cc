#include "model/model_repository.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "config/sha256.h"

namespace trestle::core {

namespace fs = std::filesystem;

namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> FileSha256(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, "cannot read model file \"" + file.string() + "\"");
  Sha256 h;
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return Status(Code::kInvalidArgument, "reading model file \"" + file.string() + "\" failed");
  return ToHex(h.Finish());
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

}  // namespace

Result<VersionPolicy> VersionPolicy::Parse(const std::string& text) {
  VersionPolicy p;
  if (text.empty() || text == "latest") return p;
  if (!AllDigits(text))
    return Status(Code::kInvalidArgument, "version \"" + text + "\" is neither \"latest\" nor a version number");
  p.pinned = text;
  return p;
}

std::vector<std::string> ListVersions(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (AllDigits(name) && it->is_directory(ec)) out.push_back(name);
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return std::stoull(a) < std::stoull(b) || (std::stoull(a) == std::stoull(b) && a < b);
  });
  return out;
}

Result<ResolvedModel> ResolveModel(const std::string& path, const VersionPolicy& policy) {
  ResolvedModel r;
  std::vector<std::string> versions = ListVersions(path);
  if (versions.empty()) {
    if (!policy.pinned.empty())
      return Status(Code::kInvalidArgument, "version " + policy.pinned + " is pinned, but \"" + path +
                                                "\" is not a model repository (no numbered version directories)");
    r.path = path;
    return r;
  }
  r.versioned = true;
  if (policy.pinned.empty()) {
    r.version = versions.back();
  } else {
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const std::string& v) { return std::stoull(v) == std::stoull(policy.pinned); });
    if (it == versions.end())
      return Status(Code::kInvalidArgument, "model repository \"" + path + "\" has no version " + policy.pinned +
                                                " (versions: " + Joined(versions) + ")");
    r.version = *it;
  }
  r.path = (fs::path(path) / r.version).string();
  return r;
}

Result<std::string> FingerprintModel(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return FileSha256(path);
  if (!fs::is_directory(path, ec)) return Status(Code::kInvalidArgument, "model path \"" + path + "\" does not exist");
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) return Status(Code::kInvalidArgument, "cannot list model directory \"" + path + "\": " + ec.message());
  std::sort(files.begin(), files.end());
  Sha256 h;
  for (const auto& f : files) {
    auto sha = FileSha256(f);
    if (!sha.ok()) return sha.status();
    h.Update(fs::relative(f, path).generic_string() + " " + *sha + "\n");
  }
  return ToHex(h.Finish());
}

}  // namespace trestle::core
