// File chores with iostreams; /proc/self/exe for the executable's path.
#include "base/file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ggs {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::Io("cannot read " + path);
  return bytes.str();
}

Status WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::Io("cannot write " + path);
  return Status::Ok();
}

std::string ExecutablePath(const std::string& fallback) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? fallback : self.string();
}

}  // namespace ggs
