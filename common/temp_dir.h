// TempDir: a fresh private directory under $TMPDIR (default /tmp), removed
// with everything in it when the object dies, unless Keep() was called.
#pragma once

#include <string>

namespace zonesim {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "zonesim");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }  // false if the directory could not be made
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace zonesim
