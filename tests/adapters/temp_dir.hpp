// temp_dir.hpp - a fresh directory path under the system's temp directory
// for one adapters test, removed with everything in it when the test ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace synod::test {

class TempDir {
 public:
  // `tag` names the test file; `create`: make the directory (otherwise only
  // the path, for code that must create it itself).
  explicit TempDir(const std::string& tag, bool create) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("synod-adapters-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    if (create) std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace synod::test
