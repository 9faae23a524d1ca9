// TempDir: a fresh scratch directory that is removed, with everything in it, when its owner
// is done with it. Tests, `ggs bench` and `ggs fuzz` keep their databases and logs in one.
#pragma once

#include <string>
#include <string_view>

namespace ggs {

class TempDir {
 public:
  // Creates $TMPDIR/<prefix>-XXXXXX (mkdtemp). When that fails, ok() is false and error()
  // says why.
  explicit TempDir(std::string_view prefix);
  // Removes the directory and its contents, unless Keep() was called.
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Leaves the directory in place (for a post-mortem).
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  std::string error_;
  bool keep_ = false;
};

}  // namespace ggs
