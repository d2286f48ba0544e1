#include "atomic_file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <trestle/error.hpp>

namespace trestle_support {
namespace {

namespace fs = std::filesystem;

// A fresh directory under ::testing::TempDir(), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "trestle_support_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> entries(const std::string& sub = ".") const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(file(sub))) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  std::string path_;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return {};
}

TEST(AtomicFile, WriteFileAtomicallyCreatesDirectoriesAndLeavesOneFile) {
  TempDir d;
  const std::string p = d.file("a/b/out.json");
  write_file_atomically(p, "{\"x\":1}\n");
  EXPECT_EQ(slurp(p), "{\"x\":1}\n");
  EXPECT_EQ(d.entries("a/b"), std::vector<std::string>{"out.json"});
  write_file_atomically(p, "");  // replaces it
  EXPECT_EQ(slurp(p), "");
  EXPECT_EQ(d.entries("a/b"), std::vector<std::string>{"out.json"});
}

TEST(AtomicFile, WriteFileAtomicallyOverADirectoryLeavesNoTemporaryFile) {
  TempDir d;
  fs::create_directories(d.file("adir/x"));
  EXPECT_THROW(write_file_atomically(d.file("adir"), "data"), trestle::Error);
  EXPECT_EQ(d.entries(), std::vector<std::string>{"adir"});
}

TEST(AtomicFile, PublishesOnlyWhenAsked) {
  TempDir d;
  const std::string p = d.file("out.txt");
  {
    AtomicFile f(p);
    f.buffer() = "abc";
    f.sync();
    EXPECT_FALSE(fs::exists(p));
    EXPECT_EQ(slurp(f.temp_path()), "abc");
  }  // discarded
  EXPECT_TRUE(d.entries().empty());
  AtomicFile f(p);
  f.buffer() = "abc";
  f.publish();
  EXPECT_TRUE(f.published());
  EXPECT_EQ(slurp(p), "abc");
  EXPECT_EQ(d.entries(), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, CheckWritableNamesTheContext) {
  TempDir d;
  fs::create_directories(d.file("adir"));
  std::ofstream(d.file("plain")) << "x";
  check_writable(d.file("new/sub/out.txt"));  // missing parents are fine
  EXPECT_EQ(message_of<trestle::InvalidArgument>([&] { check_writable(d.file("adir")); }),
            "\"" + d.file("adir") + "\" is a directory; a file path is needed");
  EXPECT_EQ(message_of<trestle::InvalidArgument>([&] { check_writable(d.file("adir"), "option \"path\""); }),
            "option \"path\": \"" + d.file("adir") + "\" is a directory; a file path is needed");
  EXPECT_EQ(message_of<trestle::InvalidArgument>([&] { check_writable(d.file("plain/out.txt"), "option \"path\""); }),
            "option \"path\": cannot write \"" + d.file("plain/out.txt") + "\": \"" + d.file("plain") +
                "\" is not a directory");
  EXPECT_EQ(message_of<trestle::InvalidArgument>([&] { AtomicFile(d.file("adir")).check_writable(); }),
            "\"" + d.file("adir") + "\" is a directory; a file path is needed");
  EXPECT_EQ(d.entries().size(), 2u);  // nothing created
}

}  // namespace
}  // namespace trestle_support
