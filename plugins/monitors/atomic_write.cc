#include "atomic_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <trestle/error.hpp>

namespace monitors {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_io(const std::string& what, int err) {
  std::string m = what + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG: throw trestle::ResourceExhausted(m);
    case EACCES:
    case EPERM:
    case EROFS:
    case EISDIR:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP: throw trestle::InvalidArgument(m);
    default: throw trestle::Unavailable(m);
  }
}

fs::path parent_of(const std::string& path) {
  fs::path p = fs::path(path).parent_path();
  return p.empty() ? fs::path(".") : p;
}

// Closes the descriptor and removes the temporary file unless released.
struct TempFile {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep) ::unlink(path.c_str());
  }
};

}  // namespace

void write_file_atomically(const std::string& path, const std::string& contents) {
  std::error_code ec;
  fs::create_directories(parent_of(path), ec);
  if (ec) throw_io("cannot create the directory of \"" + path + "\"", ec.value());
  TempFile tmp{path + ".tmp-" + std::to_string(::getpid())};
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (tmp.fd < 0) {
    tmp.keep = true;  // nothing was created
    throw_io("cannot create \"" + tmp.path + "\"", errno);
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(tmp.fd, contents.data() + done, contents.size() - done);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    throw_io("writing \"" + tmp.path + "\" failed", errno);
  }
  if (::fsync(tmp.fd) != 0) throw_io("fsync of \"" + tmp.path + "\" failed", errno);
  if (::rename(tmp.path.c_str(), path.c_str()) != 0)
    throw_io("renaming \"" + tmp.path + "\" to \"" + path + "\" failed", errno);
  tmp.keep = true;
  // The file is complete either way; a failed directory fsync is not reported.
  int dfd = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

void check_writable(const std::string& path, const std::string& what) {
  if (path.empty()) throw trestle::InvalidArgument(what + " must not be empty");
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw trestle::InvalidArgument(what + ": \"" + path + "\" is a directory; a file path is needed");
  fs::path dir = parent_of(path);
  while (!fs::exists(dir, ec)) {
    fs::path up = dir.parent_path();
    if (up.empty() || up == dir) {
      dir = ".";
      break;
    }
    dir = up;
  }
  if (!fs::is_directory(dir, ec))
    throw trestle::InvalidArgument(what + ": cannot write \"" + path + "\": \"" + dir.string() + "\" is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw_io(what + ": cannot write \"" + path + "\" (directory \"" + dir.string() + "\")", errno);
}

}  // namespace monitors
